package dev.noexcuses.common.intake;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How far an event's top level may stray before it is refused: how far its {@code event_time} may
 * lie in the future (client clocks drift) and in the past (offline clients, history backfills), and
 * how long its strings may be, so an implausible value cannot travel to every sink.
 */
public record TopLevelLimits(Duration maxFutureSkew, Duration maxPastAge, int maxIdLength, int maxSourceLength,
                             int maxSchemaLength) {

    public TopLevelLimits {
        check(!maxFutureSkew.isNegative(), "collector.max-future-skew must not be negative, was %s", maxFutureSkew);
        check(maxPastAge.compareTo(Duration.ofMinutes(1)) >= 0, "collector.max-past-age must be at least 1m, was %s",
                maxPastAge);
        check(maxIdLength >= 36, "collector.max-id-length must be at least 36, was %s", maxIdLength);
        check(maxSourceLength > 0, "collector.max-source-length must be positive, was %s", maxSourceLength);
        check(maxSchemaLength > 0, "collector.max-schema-length must be positive, was %s", maxSchemaLength);
    }

    /** The limits of the {@code collector} block (the collector and {@code replay-dlq} use the same). */
    public static TopLevelLimits from(Config root) {
        Config c = root.getConfig("collector");
        return new TopLevelLimits(c.getDuration("max-future-skew"), c.getDuration("max-past-age"),
                c.getInt("max-id-length"), c.getInt("max-source-length"), c.getInt("max-schema-length"));
    }

    private static void check(boolean ok, String message, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
