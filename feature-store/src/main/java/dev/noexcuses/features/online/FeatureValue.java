package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.features.definition.Freshness;
import java.time.Duration;

/**
 * One feature of one entity as served: the value (null when missing), its age (time since its feature time;
 * null when there is no value at all) and whether it is fresh, stale or missing. A value past its view's TTL is
 * missing: it is never returned.
 */
public record FeatureValue(Object value, Duration age, Freshness status) {
    public FeatureValue {
        requireNonNull(status, "status is null");
        if (status == Freshness.MISSING) {
            value = null;
        }
    }

    public static FeatureValue missing(Duration age) {
        return new FeatureValue(null, age, Freshness.MISSING);
    }
}
