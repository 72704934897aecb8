package dev.noexcuses.registry.tracking;

import static java.util.Objects.requireNonNull;

/**
 * An input of a run: an Iceberg table at the snapshot the run read, and what it was used for
 * ({@code training}, {@code validation} ...). Reading the table at that snapshot gives the same rows again.
 */
public record Dataset(String table, long snapshotId, String context, String name, String digest) {
    public Dataset {
        requireNonNull(table, "table is null");
        context = context == null || context.isBlank() ? "training" : context;
        name = name == null ? "" : name;
        digest = digest == null ? "" : digest;
    }
}
