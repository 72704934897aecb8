package dev.noexcuses.registry.tracking;

import static java.util.Objects.requireNonNull;

/** One logged value of a metric, at a step and a time (epoch milliseconds). */
public record Metric(String key, double value, long step, long timestamp) {
    public Metric {
        requireNonNull(key, "key is null");
    }
}
