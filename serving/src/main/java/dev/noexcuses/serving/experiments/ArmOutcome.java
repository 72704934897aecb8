package dev.noexcuses.serving.experiments;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One arm's outcomes as the lakehouse job computed them from the lake, up to {@code asOf}: exposed
 * users, those who bought after their first exposure, their revenue (sum and sum of squares per
 * user), users old enough to judge churn and those who churned, and the exposures' requests, errors
 * and p99 latency (the guardrails).
 */
public record ArmOutcome(String experiment, String arm, LocalDate asOf, long users, long conversions,
                         double revenueSum, double revenueSumOfSquares, long churnEligible, long churned,
                         long requests, long errors, double latencyP99Ms, Instant computedAt) {}
