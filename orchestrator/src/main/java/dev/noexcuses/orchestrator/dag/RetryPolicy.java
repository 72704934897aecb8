package dev.noexcuses.orchestrator.dag;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How often a failed task is tried again and how long to wait: the delay doubles after each
 * failure ({@code delay * 2^(try-1)}), never more than {@code maxDelay} (Airflow's
 * {@code retry_exponential_backoff} without its jitter, so the two agree on the schedule).
 */
public record RetryPolicy(int retries, Duration delay, Duration maxDelay) {
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

    public RetryPolicy {
        requireNonNull(delay, "delay is null");
        requireNonNull(maxDelay, "maxDelay is null");
        if (retries < 0) {
            throw new IllegalArgumentException("Invalid retries: " + retries + " (expected 0 or more)");
        }
        if (delay.isNegative() || maxDelay.compareTo(delay) < 0) {
            throw new IllegalArgumentException("Invalid retry delays: " + delay + " up to " + maxDelay
                    + " (expected 0 <= delay <= maxDelay)");
        }
    }

    public static RetryPolicy exponential(int retries, Duration delay, Duration maxDelay) {
        return new RetryPolicy(retries, delay, maxDelay);
    }

    /** The wait before try {@code failedTry + 1}, after try {@code failedTry} (1-based) failed. */
    public Duration delayAfter(int failedTry) {
        Duration d = delay;
        for (int i = 1; i < failedTry && d.compareTo(maxDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }
}
