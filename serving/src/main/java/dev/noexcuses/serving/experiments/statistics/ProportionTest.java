package dev.noexcuses.serving.experiments.statistics;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Two-proportion z-test for rates (conversion, churn, errors): the statistic uses the pooled rate
 * (the null hypothesis says the two rates are equal), the confidence interval of the difference the
 * unpooled standard error (Wald).
 */
public final class ProportionTest {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private ProportionTest() {}

    /** Two-sided test of {@code treatmentSuccesses/treatmentN} against {@code controlSuccesses/controlN}. */
    public static Comparison compare(long controlSuccesses, long controlN, long treatmentSuccesses, long treatmentN,
                                     double alpha) {
        checkAlpha(alpha);
        if (controlN <= 0 || treatmentN <= 0) {
            throw new IllegalArgumentException("Invalid samples " + controlN + " and " + treatmentN
                    + ": both arms need at least one user");
        }
        double p1 = (double) controlSuccesses / controlN;
        double p2 = (double) treatmentSuccesses / treatmentN;
        double diff = p2 - p1;
        double pooled = (double) (controlSuccesses + treatmentSuccesses) / (controlN + treatmentN);
        double sePooled = Math.sqrt(pooled * (1 - pooled) * (1.0 / controlN + 1.0 / treatmentN));
        double z = sePooled == 0 ? 0 : diff / sePooled;
        double p = sePooled == 0 ? 1 : 2 * NORMAL.cumulativeProbability(-Math.abs(z));
        double se = Math.sqrt(p1 * (1 - p1) / controlN + p2 * (1 - p2) / treatmentN);
        double half = NORMAL.inverseCumulativeProbability(1 - alpha / 2) * se;
        return new Comparison("two-proportion z-test", p1, p2, diff, diff - half, diff + half, z, p);
    }

    /** One-sided p-value that the treatment's rate is higher than the control's (a guardrail on errors). */
    public static double higherPValue(long controlSuccesses, long controlN, long treatmentSuccesses, long treatmentN) {
        if (controlN <= 0 || treatmentN <= 0) {
            return 1;
        }
        double p1 = (double) controlSuccesses / controlN;
        double p2 = (double) treatmentSuccesses / treatmentN;
        double pooled = (double) (controlSuccesses + treatmentSuccesses) / (controlN + treatmentN);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / controlN + 1.0 / treatmentN));
        return se == 0 ? (p2 > p1 ? 0 : 1) : NORMAL.cumulativeProbability(-(p2 - p1) / se);
    }

    static void checkAlpha(double alpha) {
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("Invalid alpha " + alpha + ": expected 0 < alpha < 1");
        }
    }
}
