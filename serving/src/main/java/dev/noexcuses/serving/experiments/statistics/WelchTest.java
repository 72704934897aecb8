package dev.noexcuses.serving.experiments.statistics;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Welch's t-test for means (revenue per user): no equal-variance assumption, degrees of freedom by
 * Welch–Satterthwaite; the confidence interval of the difference uses the same t quantile.
 */
public final class WelchTest {
    private WelchTest() {}

    public static Comparison compare(Summary control, Summary treatment, double alpha) {
        ProportionTest.checkAlpha(alpha);
        if (control.n() < 2 || treatment.n() < 2) {
            throw new IllegalArgumentException("Invalid samples " + control.n() + " and " + treatment.n()
                    + ": Welch's test needs at least two users per arm");
        }
        double v1 = control.variance() / control.n();
        double v2 = treatment.variance() / treatment.n();
        double diff = treatment.mean() - control.mean();
        double se = Math.sqrt(v1 + v2);
        if (se == 0) {
            return new Comparison("Welch's t-test", control.mean(), treatment.mean(), diff, diff, diff,
                    diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff), diff == 0 ? 1 : 0);
        }
        double df = (v1 + v2) * (v1 + v2)
                / (v1 * v1 / (control.n() - 1) + v2 * v2 / (treatment.n() - 1));
        TDistribution t = new TDistribution(null, df);
        double stat = diff / se;
        double p = 2 * t.cumulativeProbability(-Math.abs(stat));
        double half = t.inverseCumulativeProbability(1 - alpha / 2) * se;
        return new Comparison("Welch's t-test", control.mean(), treatment.mean(), diff, diff - half, diff + half, stat, p);
    }
}
