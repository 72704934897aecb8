package dev.noexcuses.serving.experiments.statistics;

/**
 * A sample of one arm by its sufficient statistics: count, sum and sum of squares, which is what the
 * lakehouse job stores per arm (so the report never needs the per-user rows).
 */
public record Summary(long n, double sum, double sumOfSquares) {
    public Summary {
        if (n < 0) {
            throw new IllegalArgumentException("Invalid sample size " + n + ": expected 0 or more");
        }
    }

    public static Summary of(double... values) {
        double s = 0;
        double s2 = 0;
        for (double v : values) {
            s += v;
            s2 += v * v;
        }
        return new Summary(values.length, s, s2);
    }

    /** A sample of 0/1 outcomes: {@code successes} ones out of {@code n}. */
    public static Summary ofProportion(long successes, long n) {
        if (successes < 0 || successes > n) {
            throw new IllegalArgumentException("Invalid proportion " + successes + "/" + n + ": expected 0 <= x <= n");
        }
        return new Summary(n, successes, successes);
    }

    public double mean() {
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The unbiased sample variance (n - 1); NaN below 2 values. */
    public double variance() {
        if (n < 2) {
            return Double.NaN;
        }
        double m = mean();
        // Sum of squares minus n * mean^2, never below 0 from rounding.
        return Math.max(0, (sumOfSquares - n * m * m) / (n - 1));
    }

    public Summary plus(Summary other) {
        return new Summary(n + other.n, sum + other.sum, sumOfSquares + other.sumOfSquares);
    }
}
