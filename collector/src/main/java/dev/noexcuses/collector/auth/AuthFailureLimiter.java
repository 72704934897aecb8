package dev.noexcuses.collector.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address for auth-failure records: a client guessing keys gets a few
 * records, then only counts, so it cannot fill the DLQ. Idle buckets are forgotten once the map
 * grows large (a full bucket is the same as a new one).
 */
final class AuthFailureLimiter {
    private static final int FORGET_ABOVE = 10_000;

    private final double burst;
    private final double perNano;
    private final LongSupplier clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    AuthFailureLimiter(int burst, double perSecond, LongSupplier nanoClock) {
        this.burst = burst;
        this.perNano = perSecond / 1e9;
        this.clock = nanoClock;
    }

    /** Whether a failure from {@code client} may be recorded now (takes a token if so). */
    boolean tryRecord(String client) {
        if (buckets.size() > FORGET_ABOVE) {
            long now = clock.getAsLong();
            buckets.values().removeIf(b -> b.tokensAt(now) >= burst);
        }
        return buckets.computeIfAbsent(String.valueOf(client), c -> new Bucket(burst, clock.getAsLong()))
                .take(clock.getAsLong());
    }

    private final class Bucket {
        private double tokens;
        private long updatedAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updatedAt = now;
        }

        synchronized double tokensAt(long now) {
            return Math.min(burst, tokens + (now - updatedAt) * perNano);
        }

        synchronized boolean take(long now) {
            tokens = tokensAt(now);
            updatedAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
