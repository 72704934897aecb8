package dev.noexcuses.serving.analysis;

import dev.noexcuses.serving.gateway.VersionStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares a canary with its baseline over the same window: error rates with a one-sided
 * two-proportion z-test, p99 latency against a ratio of the baseline's, and the drift of the score
 * distribution as a population stability index. Too few requests on either side is inconclusive, and
 * so is a PSI above its limit that the sampling noise of so few answers could explain.
 */
public final class CanaryAnalysis {
    /** Half an answer added to every score bin of both sides before their shares are compared. */
    private static final double SMOOTHING = 0.5;

    private CanaryAnalysis() {}

    public enum Outcome { PASS, FAIL, INCONCLUSIVE }

    /** The decision, the reason in words, and every value it rests on. */
    public record Verdict(Outcome outcome, String reason, Map<String, Object> values) {
        public Verdict {
            values = Map.copyOf(values);
        }
    }

    /**
     * The thresholds of one analysis.
     *
     * @param driftAlpha the chance that two draws of one score distribution show a PSI above the noise
     *                   limit ({@link #psiNoiseLimit}): a drift fails only beyond both that limit and {@code maxPsi}
     */
    public record Thresholds(int minSamples, double alpha, double maxP99Ratio, double p99SlackMs, double maxPsi,
                             double driftAlpha) {}

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
        double noise = psiNoiseLimit(baseline.scoreBins(), canary.scoreBins(), t.driftAlpha());
        values.put("psi", round(psi));
        values.put("max_psi", t.maxPsi());
        values.put("psi_noise_limit", Double.isFinite(noise) ? (Object) round(noise) : "no scores on a side");
        values.put("drift_alpha", t.driftAlpha());
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
        if (psi > t.maxPsi() && psi > noise) {
            return new Verdict(Outcome.FAIL, String.format(java.util.Locale.ROOT,
                    "prediction drift: PSI %.3f > %.3f (and beyond the sampling noise of these answers, %.3f)",
                    psi, t.maxPsi(), noise), values);
        }
        if (psi > t.maxPsi()) {
            // So few answers that two equal models differ this much by chance: more answers will tell.
            return new Verdict(Outcome.INCONCLUSIVE, String.format(java.util.Locale.ROOT,
                    "inconclusive: PSI %.3f > %.3f, but within the sampling noise of %d and %d answers (%.3f)",
                    psi, t.maxPsi(), sum(baseline.scoreBins()), sum(canary.scoreBins()), noise), values);
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

    /**
     * Population stability index of {@code actual} against {@code expected}. Each bin's share is smoothed
     * (add-one-half, Jeffreys): an empty bin is half an answer, not a share near zero whose logarithm would
     * make one stray answer in a small sample look like a shift.
     */
    public static double psi(long[] expected, long[] actual) {
        double e = sum(expected);
        double a = sum(actual);
        if (e == 0 || a == 0) {
            return 0;
        }
        int k = expected.length;
        double psi = 0;
        for (int i = 0; i < k; i++) {
            double pe = (expected[i] + SMOOTHING) / (e + SMOOTHING * k);
            double pa = (actual[i] + SMOOTHING) / (a + SMOOTHING * k);
            psi += (pa - pe) * Math.log(pa / pe);
        }
        return psi;
    }

    /**
     * The PSI that two samples of these sizes drawn from one distribution exceed only with probability
     * {@code driftAlpha}. For two samples of one distribution, PSI ~ (1/n_e + 1/n_a) * chi-square with
     * (bins in use - 1) degrees of freedom (PSI is the symmetrised Kullback-Leibler divergence, whose
     * second-order term is the chi-square statistic of homogeneity). It shrinks as the samples grow: at a
     * few dozen answers over 10 bins it is above any useful PSI limit, at a few hundred below it.
     */
    public static double psiNoiseLimit(long[] expected, long[] actual, double driftAlpha) {
        long e = sum(expected);
        long a = sum(actual);
        if (e == 0 || a == 0) {
            return Double.POSITIVE_INFINITY;
        }
        int used = 0;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] + actual[i] > 0) {
                used++;
            }
        }
        return chiSquareQuantile(Math.max(1, used - 1), 1 - driftAlpha) * (1.0 / e + 1.0 / a);
    }

    /** The {@code p} quantile of the chi-square distribution with {@code df} degrees of freedom. */
    public static double chiSquareQuantile(int df, double p) {
        double lo = 0;
        double hi = Math.max(1, df);
        while (chiSquareCdf(df, hi) < p) {
            hi *= 2;
        }
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (chiSquareCdf(df, mid) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    static double chiSquareCdf(int df, double x) {
        return x <= 0 ? 0 : regularizedGammaP(df / 2.0, x / 2);
    }

    /** P(a, x), the regularised lower incomplete gamma function: its series below a + 1, else its continued fraction. */
    private static double regularizedGammaP(double a, double x) {
        double logPrefix = a * Math.log(x) - x - logGamma(a);
        if (x < a + 1) {
            double term = 1 / a;
            double sum = term;
            for (int n = 1; n < 1000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return sum * Math.exp(logPrefix);
        }
        // Lentz's method for the continued fraction of Q(a, x).
        double tiny = 1e-300;
        double b = x + 1 - a;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 1000; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < tiny ? tiny : d;
            c = b + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-15) {
                break;
            }
        }
        return 1 - Math.exp(logPrefix) * h;
    }

    /** Lanczos' approximation (g = 7, 9 terms): about 15 significant digits for a > 0. */
    private static double logGamma(double a) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        if (a < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * a))) - logGamma(1 - a);
        }
        a -= 1;
        double x = c[0];
        for (int i = 1; i < c.length; i++) {
            x += c[i] / (a + i);
        }
        double t = a + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (a + 0.5) * Math.log(t) - t + Math.log(x);
    }

    private static long sum(long[] counts) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        return total;
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
