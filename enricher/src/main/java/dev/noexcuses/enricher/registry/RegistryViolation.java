package dev.noexcuses.enricher.registry;

import static java.util.Objects.requireNonNull;

/** One thing wrong with the schema registry: which schema file (or reference) and what. */
public record RegistryViolation(String schema, String message) {
    public RegistryViolation {
        requireNonNull(schema, "schema is null");
        requireNonNull(message, "message is null");
    }

    @Override
    public String toString() {
        return schema + ": " + message;
    }
}
