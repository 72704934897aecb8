package dev.noexcuses.common.retry;

import static java.util.Objects.requireNonNull;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import java.time.Duration;

/**
 * The platform's one retry policy, on Failsafe: exponential backoff from {@code initial} doubling up to
 * {@code max}, each pause varied by a quarter either way so that clients failing together do not retry
 * together. Callers add what to retry on and how many times ({@code handle}, {@code withMaxRetries},
 * {@code withMaxDuration}) and run the call with {@code Failsafe.with(policy)}.
 */
public final class Retries {
    private Retries() {}

    public static <R> RetryPolicyBuilder<R> exponentialBackoff(Duration initial, Duration max) {
        requireNonNull(initial, "initial is null");
        requireNonNull(max, "max is null");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("Invalid initial backoff: " + initial + ", expected a positive duration");
        }
        RetryPolicyBuilder<R> builder = RetryPolicy.builder();
        return (max.compareTo(initial) > 0 ? builder.withBackoff(initial, max) : builder.withDelay(initial))
                .withJitter(0.25);
    }
}
