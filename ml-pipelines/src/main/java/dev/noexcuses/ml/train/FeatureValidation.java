package dev.noexcuses.ml.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The checks of a training set's features, logged to the training run: {@code nulls} (share of rows without a
 * value; only a feature that is empty everywhere fails), {@code range} (every value within what the feature's
 * computation allows; fails the run's feature-ranges gate) and {@code drift} (population stability index of the
 * holdout against the training rows, over ten quantile bins of the training values; above {@value #PSI_WARN} is a
 * warning, as the features' own daily drift check is).
 */
public final class FeatureValidation {
    static final double PSI_WARN = 0.25;

    private FeatureValidation() {}

    /** A feature and the range its computation allows. */
    public record FeatureSpec(String name, double minimum, double maximum) {}

    /** One check's verdict: {@code status} pass, warn or fail. */
    public record Check(String feature, String check, String status, double value, String detail) {}

    /**
     * @param train values per feature (column-major: {@code train[f][row]}), NaN for missing
     * @param holdout the same for the holdout rows
     */
    public static List<Check> check(List<FeatureSpec> features, float[][] train, float[][] holdout) {
        List<Check> checks = new ArrayList<>();
        for (int f = 0; f < features.size(); f++) {
            FeatureSpec spec = features.get(f);
            float[] all = concat(train[f], holdout[f]);
            long missing = 0;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (float v : all) {
                if (Float.isNaN(v)) {
                    missing++;
                } else {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            double nullShare = all.length == 0 ? 0 : (double) missing / all.length;
            checks.add(new Check(spec.name(), "nulls", all.length > 0 && missing == all.length ? "fail" : "pass", nullShare,
                    String.format(Locale.ROOT, "%d of %d rows without a value", missing, all.length)));
            if (missing < all.length) {
                boolean inRange = min >= spec.minimum() - 1e-9 && max <= spec.maximum() + 1e-9;
                checks.add(new Check(spec.name(), "range", inRange ? "pass" : "fail", inRange ? 0 : 1,
                        String.format(Locale.ROOT, "%s..%s (allowed %s..%s)", num(min), num(max), num(spec.minimum()),
                                num(spec.maximum()))));
            }
            double psi = psi(train[f], holdout[f]);
            checks.add(new Check(spec.name(), "drift", psi > PSI_WARN ? "warn" : "pass", psi,
                    String.format(Locale.ROOT, "PSI %.3f of the holdout against the training rows (warn above %.2f)", psi,
                            PSI_WARN)));
        }
        return checks;
    }

    /**
     * Population stability index of {@code actual} against {@code expected}: bins at the deciles of the expected
     * values (missing values are a bin of their own), each share floored at 0.0001 so an empty bin stays finite.
     */
    public static double psi(float[] expected, float[] actual) {
        float[] present = Arrays.copyOf(expected, expected.length);
        int n = 0;
        for (float v : expected) {
            if (!Float.isNaN(v)) {
                present[n++] = v;
            }
        }
        present = Arrays.copyOf(present, n);
        Arrays.sort(present);
        double[] edges = new double[9];
        for (int i = 0; i < 9; i++) {
            edges[i] = n == 0 ? 0 : present[Math.min(n - 1, (int) Math.floor((i + 1) * n / 10.0))];
        }
        double[] e = shares(expected, edges);
        double[] a = shares(actual, edges);
        double psi = 0;
        for (int i = 0; i < e.length; i++) {
            double x = Math.max(e[i], 1e-4);
            double y = Math.max(a[i], 1e-4);
            psi += (y - x) * Math.log(y / x);
        }
        return psi;
    }

    private static double[] shares(float[] values, double[] edges) {
        double[] counts = new double[edges.length + 2];
        for (float v : values) {
            if (Float.isNaN(v)) {
                counts[edges.length + 1]++;
                continue;
            }
            int bin = 0;
            while (bin < edges.length && v > edges[bin]) {
                bin++;
            }
            counts[bin]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] = values.length == 0 ? 0 : counts[i] / values.length;
        }
        return counts;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String num(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "-∞";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
