package dev.noexcuses.registry.models;

import java.util.Map;

/** A registered model: its current aliases (alias to version) and its latest version (0 before the first). */
public record RegisteredModel(String name, String description, String createdBy, long creationTime, long lastUpdatedTime,
                              int latestVersion, Map<String, Integer> aliases) {
    public RegisteredModel {
        aliases = Map.copyOf(aliases);
    }
}
