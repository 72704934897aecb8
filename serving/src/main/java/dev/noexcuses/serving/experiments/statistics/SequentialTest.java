package dev.noexcuses.serving.experiments.statistics;

/**
 * The mixture sequential probability ratio test (mSPRT, Johari, Pekelis and Walsh, "Always valid
 * inference", 2017) on the normal approximation of the difference: with the estimate d of variance
 * V and a normal mixture N(0, tau^2) over the true difference, the likelihood ratio is
 * {@code sqrt(V / (V + tau^2)) * exp(tau^2 d^2 / (2 V (V + tau^2)))}. Declaring a difference once
 * it reaches {@code 1 / alpha} keeps the false-positive rate at most alpha however often the results
 * are looked at (Ville's inequality), which a fixed-horizon p-value checked at every look does not.
 * tau is the experiment's minimum detectable effect: the size of difference the test is tuned for.
 */
public final class SequentialTest {
    private SequentialTest() {}

    /**
     * The test at one look.
     *
     * @param likelihoodRatio the mixture likelihood ratio now
     * @param pValue the always-valid p-value at this look, {@code min(1, 1 / ratio)}; the running
     *               minimum over the looks stays valid
     * @param lower the always-valid confidence interval of the difference (a confidence sequence)
     */
    public record Look(double likelihoodRatio, double pValue, double lower, double upper, boolean significant) {}

    public static Look look(double difference, double variance, double tau, double alpha) {
        ProportionTest.checkAlpha(alpha);
        if (!(tau > 0)) {
            throw new IllegalArgumentException("Invalid mixture scale tau " + tau + ": expected > 0 (the minimum effect)");
        }
        if (!(variance > 0) || Double.isNaN(difference)) {
            return new Look(1, 1, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, false);
        }
        double t2 = tau * tau;
        double logRatio = 0.5 * Math.log(variance / (variance + t2))
                + t2 * difference * difference / (2 * variance * (variance + t2));
        double ratio = Math.exp(Math.min(logRatio, 700));
        double p = Math.min(1, Math.exp(-logRatio));
        // {theta : ratio at theta < 1 / alpha}: the values not yet ruled out at this look.
        double half = Math.sqrt(variance * (variance + t2) / t2 * (2 * Math.log(1 / alpha) + Math.log((variance + t2) / variance)));
        return new Look(ratio, p, difference - half, difference + half, logRatio >= Math.log(1 / alpha));
    }

    /** The look for two rates. */
    public static Look proportions(long controlSuccesses, long controlN, long treatmentSuccesses, long treatmentN,
                                   double tau, double alpha) {
        if (controlN == 0 || treatmentN == 0) {
            return look(Double.NaN, 0, tau, alpha);
        }
        double p1 = (double) controlSuccesses / controlN;
        double p2 = (double) treatmentSuccesses / treatmentN;
        // The pooled rate's variance: under the null hypothesis both arms share it.
        double pooled = (double) (controlSuccesses + treatmentSuccesses) / (controlN + treatmentN);
        return look(p2 - p1, pooled * (1 - pooled) * (1.0 / controlN + 1.0 / treatmentN), tau, alpha);
    }

    /** The look for two means. */
    public static Look means(Summary control, Summary treatment, double tau, double alpha) {
        if (control.n() < 2 || treatment.n() < 2) {
            return look(Double.NaN, 0, tau, alpha);
        }
        return look(treatment.mean() - control.mean(),
                control.variance() / control.n() + treatment.variance() / treatment.n(), tau, alpha);
    }
}
