package dev.noexcuses.registry.tracking;

import java.util.Map;

/** An experiment: a named group of runs with one artifact location. Times in epoch milliseconds. */
public record Experiment(long experimentId, String name, String artifactLocation, String lifecycleStage,
                         long creationTime, long lastUpdateTime, Map<String, String> tags) {
    public Experiment {
        tags = Map.copyOf(tags);
    }
}
