package dev.noexcuses.ml.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * How well scores rank and estimate binary labels (1 = churned): ROC AUC, PR-AUC (average precision), calibration
 * (expected calibration error over equal-width bins, and the bins themselves) and lift in the top share. Plain
 * arithmetic over two arrays, so the gates and the tests can check it by hand.
 */
public final class ClassifierMetrics {
    private ClassifierMetrics() {}

    /** One calibration bin: scores in [{@code from}, {@code to}), their mean and the observed positive share. */
    public record CalibrationBin(double from, double to, long rows, double meanScore, double positiveShare) {}

    /** Every metric of one evaluation. */
    public record Evaluation(long rows, long positives, double baseRate, double auc, double prAuc,
                             double calibrationError, double liftAt10, List<CalibrationBin> calibration) {}

    public static Evaluation evaluate(double[] scores, double[] labels) {
        check(scores, labels);
        long positives = Arrays.stream(labels).filter(l -> l > 0.5).count();
        return new Evaluation(scores.length, positives, scores.length == 0 ? Double.NaN : (double) positives / scores.length,
                auc(scores, labels), prAuc(scores, labels), calibrationError(scores, labels, 10), lift(scores, labels, 0.1),
                calibration(scores, labels, 10));
    }

    /**
     * The probability that a random positive scores above a random negative (ties count half): the Mann-Whitney U
     * statistic over average ranks. NaN without both classes.
     */
    public static double auc(double[] scores, double[] labels) {
        check(scores, labels);
        int n = scores.length;
        Integer[] order = sortedAscending(scores);
        double[] ranks = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = rank;
            }
            i = j + 1;
        }
        long positives = 0;
        double positiveRanks = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] > 0.5) {
                positives++;
                positiveRanks += ranks[i];
            }
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * Average precision: the mean of the precision at each positive, going down the scores (tied scores are one
     * threshold). NaN without positives.
     */
    public static double prAuc(double[] scores, double[] labels) {
        check(scores, labels);
        Integer[] order = sortedAscending(scores);
        long positives = Arrays.stream(labels).filter(l -> l > 0.5).count();
        if (positives == 0) {
            return Double.NaN;
        }
        double sum = 0;
        long seen = 0;
        long truePositives = 0;
        for (int i = order.length - 1; i >= 0; ) {
            int j = i;
            long tiedPositives = 0;
            while (j >= 0 && scores[order[j]] == scores[order[i]]) {
                if (labels[order[j]] > 0.5) {
                    tiedPositives++;
                }
                j--;
            }
            seen += i - j;
            truePositives += tiedPositives;
            sum += tiedPositives * ((double) truePositives / seen);
            i = j;
        }
        return sum / positives;
    }

    /** The positive share among the top {@code share} of the scores, over the positive share of all rows. */
    public static double lift(double[] scores, double[] labels, double share) {
        check(scores, labels);
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("Invalid share " + share + ": expected 0 < share <= 1");
        }
        long positives = Arrays.stream(labels).filter(l -> l > 0.5).count();
        if (scores.length == 0 || positives == 0) {
            return Double.NaN;
        }
        int top = Math.max(1, (int) Math.ceil(scores.length * share));
        Integer[] order = sortedAscending(scores);
        long topPositives = 0;
        for (int i = 0; i < top; i++) {
            if (labels[order[order.length - 1 - i]] > 0.5) {
                topPositives++;
            }
        }
        return ((double) topPositives / top) / ((double) positives / scores.length);
    }

    /** Scores in {@code bins} equal-width bins over 0..1; empty bins are left out. */
    public static List<CalibrationBin> calibration(double[] scores, double[] labels, int bins) {
        check(scores, labels);
        long[] rows = new long[bins];
        double[] scoreSums = new double[bins];
        double[] positives = new double[bins];
        for (int i = 0; i < scores.length; i++) {
            int b = Math.min(bins - 1, Math.max(0, (int) Math.floor(scores[i] * bins)));
            rows[b]++;
            scoreSums[b] += scores[i];
            positives[b] += labels[i] > 0.5 ? 1 : 0;
        }
        List<CalibrationBin> out = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            if (rows[b] > 0) {
                out.add(new CalibrationBin((double) b / bins, (double) (b + 1) / bins, rows[b], scoreSums[b] / rows[b],
                        positives[b] / rows[b]));
            }
        }
        return out;
    }

    /** Expected calibration error: the row-weighted mean gap between a bin's mean score and its positive share. */
    public static double calibrationError(double[] scores, double[] labels, int bins) {
        if (scores.length == 0) {
            return Double.NaN;
        }
        double error = 0;
        for (CalibrationBin b : calibration(scores, labels, bins)) {
            error += b.rows() * Math.abs(b.meanScore() - b.positiveShare());
        }
        return error / scores.length;
    }

    private static Integer[] sortedAscending(double[] scores) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        return order;
    }

    private static void check(double[] scores, double[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + labels.length + " labels: expected one each");
        }
    }
}
