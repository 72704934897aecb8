package dev.noexcuses.bench;

import java.util.Arrays;

/** Summaries of a benchmark's per-round figures. */
public final class Rounds {
    private Rounds() {}

    /** The median of {@code values}, 0 when there are none. */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
