package dev.noexcuses.features.definition;

import java.time.Duration;

/**
 * Whether a feature value may be used, from its age (the time since its feature time): the one rule the
 * training sets (offline) and the online reads share. Up to {@code staleAfter} it is fresh; then stale (still
 * valid, but the next build is late); past the TTL it is missing and is not returned at all.
 */
public enum Freshness {
    FRESH, STALE, MISSING;

    public static Freshness of(Duration age, FeatureView view) {
        if (age.isNegative()) {
            // A value from the future (a clock behind the builder's) is not used: it could leak what is not known yet.
            return MISSING;
        }
        if (age.compareTo(view.ttl()) > 0) {
            return MISSING;
        }
        return age.compareTo(view.staleAfter()) > 0 ? STALE : FRESH;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
