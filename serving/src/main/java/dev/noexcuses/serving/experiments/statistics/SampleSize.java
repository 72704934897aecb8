package dev.noexcuses.serving.experiments.statistics;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Users needed per arm to detect a difference of {@code minimumEffect} (absolute) with a two-sided
 * test at {@code alpha} and the given power, for a treatment share of the users that need not be
 * half: Var(difference) = sigma_c^2 / n_c + sigma_t^2 / n_t must be at most (delta / (z_a + z_b))^2.
 */
public final class SampleSize {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    /** Users in control and in treatment, and in all. */
    public record Plan(long control, long treatment) {
        public long total() {
            return control + treatment;
        }
    }

    private SampleSize() {}

    /** For a rate: the control's expected rate {@code baseline}, the treatment's {@code baseline + minimumEffect}. */
    public static Plan forProportion(double baseline, double minimumEffect, double alpha, double power,
                                     double treatmentShare) {
        double p2 = baseline + minimumEffect;
        if (!(baseline > 0 && baseline < 1) || !(p2 > 0 && p2 < 1)) {
            throw new IllegalArgumentException("Invalid baseline " + baseline + " and minimum effect " + minimumEffect
                    + ": both rates must be strictly between 0 and 1");
        }
        return plan(baseline * (1 - baseline), p2 * (1 - p2), minimumEffect, alpha, power, treatmentShare);
    }

    /** For a mean with standard deviation {@code stddev} in both arms. */
    public static Plan forMean(double stddev, double minimumEffect, double alpha, double power, double treatmentShare) {
        if (!(stddev > 0)) {
            throw new IllegalArgumentException("Invalid standard deviation " + stddev + ": expected > 0");
        }
        return plan(stddev * stddev, stddev * stddev, minimumEffect, alpha, power, treatmentShare);
    }

    private static Plan plan(double varControl, double varTreatment, double effect, double alpha, double power,
                             double share) {
        ProportionTest.checkAlpha(alpha);
        if (!(power > 0 && power < 1) || effect == 0 || !(share > 0 && share < 1)) {
            throw new IllegalArgumentException("Invalid power " + power + ", minimum effect " + effect
                    + " or treatment share " + share + ": expected 0 < power < 1, an effect other than 0, 0 < share < 1");
        }
        double z = NORMAL.inverseCumulativeProbability(1 - alpha / 2) + NORMAL.inverseCumulativeProbability(power);
        double k = share / (1 - share);
        // n_t = k * n_c, so Var = (varControl + varTreatment / k) / n_c.
        double control = z * z * (varControl + varTreatment / k) / (effect * effect);
        long c = (long) Math.ceil(control);
        return new Plan(c, (long) Math.ceil(control * k));
    }
}
