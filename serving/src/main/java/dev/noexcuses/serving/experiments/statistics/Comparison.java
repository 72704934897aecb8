package dev.noexcuses.serving.experiments.statistics;

/**
 * Treatment against control on one metric: both estimates, their difference (treatment minus
 * control) with its two-sided {@code 1 - alpha} confidence interval, the test statistic and its
 * two-sided fixed-horizon p-value.
 */
public record Comparison(String test, double control, double treatment, double difference, double lower,
                         double upper, double statistic, double pValue) {

    /** Difference relative to the control's value; NaN when the control is 0. */
    public double relativeDifference() {
        return control == 0 ? Double.NaN : difference / control;
    }

    /** Significant at {@code alpha} when looked at once, at the planned end only. */
    public boolean significant(double alpha) {
        return pValue < alpha;
    }
}
