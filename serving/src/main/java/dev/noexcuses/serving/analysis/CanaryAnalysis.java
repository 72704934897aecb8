package dev.noexcuses.serving.analysis;

import dev.noexcuses.serving.gateway.VersionStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares a canary with its baseline over the same window: error rates with a one-sided
 * two-proportion z-test, p99 latency against a ratio of the baseline's, and the drift of the score
 * distribution as a population stability index. Too few requests on either side is inconclusive.
 */
public final class CanaryAnalysis {
    private CanaryAnalysis() {}

    public enum Outcome { PASS, FAIL, INCONCLUSIVE }

    /** The decision, the reason in words, and every value it rests on. */
    public record Verdict(Outcome outcome, String reason, Map<String, Object> values) {
        public Verdict {
            values = Map.copyOf(values);
        }
    }

    /** The thresholds of one analysis. */
    public record Thresholds(int minSamples, double alpha, double maxP99Ratio, double p99SlackMs, double maxPsi) {}

    public static Verdict analyse(VersionStats.Window baseline, VersionStats.Window canary, Thresholds t) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("baseline_requests", baseline.requests());
        values.put("canary_requests", canary.requests());
        values.put("baseline_error_rate", round(baseline.errorRate()));
        values.put("canary_error_rate", round(canary.errorRate()));
        values.put("baseline_p99_ms", round(baseline.p99Ms()));
        values.put("canary_p99_ms", round(canary.p99Ms()));
        values.put("min_samples", t.minSamples());
        if (baseline.requests() < t.minSamples() || canary.requests() < t.minSamples()) {
            return new Verdict(Outcome.INCONCLUSIVE, "inconclusive: " + Math.min(baseline.requests(), canary.requests())
                    + " of " + t.minSamples() + " requests needed on each side", values);
        }
        double pValue = errorRateWorsePValue(baseline.errors(), baseline.requests(), canary.errors(), canary.requests());
        values.put("error_test_p_value", round(pValue));
        values.put("alpha", t.alpha());
        double allowedP99 = baseline.p99Ms() * t.maxP99Ratio() + t.p99SlackMs();
        values.put("allowed_p99_ms", round(allowedP99));
        double psi = psi(baseline.scoreBins(), canary.scoreBins());
        values.put("psi", round(psi));
        values.put("max_psi", t.maxPsi());
        if (pValue < t.alpha()) {
            return new Verdict(Outcome.FAIL, String.format(java.util.Locale.ROOT,
                    "error rate %.4f vs baseline %.4f (two-proportion test p = %.4g < %.2f)",
                    canary.errorRate(), baseline.errorRate(), pValue, t.alpha()), values);
        }
        if (canary.p99Ms() > allowedP99) {
            return new Verdict(Outcome.FAIL, String.format(java.util.Locale.ROOT,
                    "p99 latency %.1f ms > allowed %.1f ms (baseline %.1f ms)", canary.p99Ms(), allowedP99,
                    baseline.p99Ms()), values);
        }
        if (psi > t.maxPsi()) {
            return new Verdict(Outcome.FAIL, String.format(java.util.Locale.ROOT,
                    "prediction drift: PSI %.3f > %.3f", psi, t.maxPsi()), values);
        }
        return new Verdict(Outcome.PASS, "passed", values);
    }

    /**
     * One-sided p-value of "the canary's error rate is higher than the baseline's" under the pooled
     * two-proportion z-test: small means the canary is worse beyond chance.
     */
    public static double errorRateWorsePValue(long baselineErrors, long baselineN, long canaryErrors, long canaryN) {
        double p0 = (double) baselineErrors / baselineN;
        double p1 = (double) canaryErrors / canaryN;
        double pooled = (double) (baselineErrors + canaryErrors) / (baselineN + canaryN);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / baselineN + 1.0 / canaryN));
        if (se == 0) {
            // Both sides all-success or all-failure: no difference to test.
            return 1.0;
        }
        double z = (p1 - p0) / se;
        return 1 - standardNormalCdf(z);
    }

    /** Population stability index of {@code actual} against {@code expected}, bins smoothed so empty ones count. */
    public static double psi(long[] expected, long[] actual) {
        double e = 0;
        double a = 0;
        for (int i = 0; i < expected.length; i++) {
            e += expected[i];
            a += actual[i];
        }
        if (e == 0 || a == 0) {
            return 0;
        }
        double psi = 0;
        double eps = 1e-4;
        for (int i = 0; i < expected.length; i++) {
            double pe = Math.max(expected[i] / e, eps);
            double pa = Math.max(actual[i] / a, eps);
            psi += (pa - pe) * Math.log(pa / pe);
        }
        return psi;
    }

    static double standardNormalCdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    /** Abramowitz and Stegun 7.1.26 (error below 1.5e-7): plenty for a significance threshold. */
    private static double erf(double x) {
        double sign = Math.signum(x);
        x = Math.abs(x);
        double t = 1 / (1 + 0.3275911 * x);
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return sign * y;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
