package dev.noexcuses.ml.bench;

import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.ml.ModelFeatures;
import dev.noexcuses.ml.score.PartitionScorer;
import dev.noexcuses.ml.score.ScoringPipeline;
import dev.noexcuses.ml.train.ChurnModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Batch scoring throughput: the pipeline's Spark scoring ({@link PartitionScorer}, {@code local[*]}) against raw
 * XGBoost4J scoring the same rows in this JVM, both from the same starting point: each row's features are computed
 * from its index by the same formula (some missing), on Spark by a projection over {@code range}, in the raw loop into
 * the float matrix it scores. The Spark side also carries the five pass-through columns the pipeline writes (user key,
 * times, country, device) and runs one Spark job with its tasks; the raw side scores matrices of the same size with
 * XGBoost's own threads (all cores). A third measurement, not part of the ratio, is the same Spark job without the
 * scorer (summing the features), to show what Spark alone costs. Same model (trained here on synthetic rows with the
 * churn model's feature names); the scores' sums are checked equal; rounds alternate Spark and raw; medians and
 * spread of the rounds. Each side's CPU time (the whole process's, per million rows) is reported too: on a shared
 * machine it moves less with the other processes' load than the wall-clock rates do.
 *
 * <p>{@code ScoringBenchmark [ROWS] [ROUNDS]} (default 500,000 rows, 5 rounds).
 */
public final class ScoringBenchmark {
    private ScoringBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int cores = Runtime.getRuntime().availableProcessors();
        List<String> names = new ModelFeatures(FeatureRegistry.shipped().views()).names();
        byte[] model = train(names);
        SparkSession spark = SparkSession.builder().master("local[*]").appName("ml-scoring-bench")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", String.valueOf(cores))
                .getOrCreate();
        try {
            List<String> select = new ArrayList<>(List.of("concat('u-', id) AS user_key", "current_timestamp() AS feature_time",
                    "current_timestamp() AS features_built_at", "'de' AS country_code", "'mobile' AS device"));
            for (int c = 0; c < names.size(); c++) {
                select.add("CASE WHEN pmod(id + %1$d, 17) = 0 THEN NULL ELSE CAST(pmod(id * %2$d + %3$d, %4$d) AS DOUBLE) END AS %5$s"
                        .formatted(c, 2 * c + 3, c * c, 5 + c, names.get(c)));
            }
            Dataset<Row> input = spark.range(0, rows, 1, cores).selectExpr(select.toArray(new String[0]));
            Broadcast<byte[]> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
            System.out.printf(Locale.ROOT, "Batch scoring: %,d rows x %d features, %d cores, %d rounds (Spark local[*] "
                    + "with the pipeline's scorer vs raw XGBoost4J in this JVM), batches of %d rows%n", rows, names.size(),
                    cores, rounds, ScoringPipeline.BATCH);
            String readOnly = "sum(" + String.join(" + ", names.stream().map(n -> "coalesce(" + n + ", 0)").toList()) + ")";
            // Warm-up of every path (JIT, native library, Spark's code generation), not counted.
            spark(input, broadcast);
            raw(model, rows, names.size());
            input.selectExpr(readOnly).first();
            double[] sparkRates = new double[rounds];
            double[] rawRates = new double[rounds];
            double[] readRates = new double[rounds];
            double[] sparkCpu = new double[rounds];
            double[] rawCpu = new double[rounds];
            double perMillion = 1e6 / rows / 1e9;
            for (int round = 0; round < rounds; round++) {
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                double a = spark(input, broadcast);
                sparkRates[round] = rows / ((System.nanoTime() - t0) / 1e9);
                sparkCpu[round] = (cpuNanos() - c0) * perMillion;
                c0 = cpuNanos();
                t0 = System.nanoTime();
                double b = raw(model, rows, names.size());
                rawRates[round] = rows / ((System.nanoTime() - t0) / 1e9);
                rawCpu[round] = (cpuNanos() - c0) * perMillion;
                if (Math.abs(a - b) > 1e-3 * rows) {
                    throw new IllegalStateException("The two paths scored differently: sums " + a + " and " + b);
                }
                t0 = System.nanoTime();
                input.selectExpr(readOnly).first();
                readRates[round] = rows / ((System.nanoTime() - t0) / 1e9);
                System.out.printf(Locale.ROOT, "  round %d: Spark %,.0f rows/s, raw XGBoost4J %,.0f rows/s, ratio %.2f "
                                + "(the Spark job without the scorer: %,.0f rows/s); CPU s per million rows: Spark %.2f, raw "
                                + "%.2f%n", round + 1, sparkRates[round], rawRates[round], sparkRates[round] / rawRates[round],
                        readRates[round], sparkCpu[round], rawCpu[round]);
            }
            double s = median(sparkRates);
            double x = median(rawRates);
            double read = median(readRates);
            System.out.printf(Locale.ROOT, "Median: Spark %,.0f rows/s (%,.0f..%,.0f), raw %,.0f rows/s (%,.0f..%,.0f): "
                            + "ratio %.2f (goal >= 0.8: %s)%n", s, min(sparkRates), max(sparkRates), x, min(rawRates),
                    max(rawRates), s / x, s / x >= 0.8 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "  CPU s per million rows (whole process): Spark %.2f (%.2f..%.2f), raw %.2f (%.2f..%.2f)%n",
                    median(sparkCpu), min(sparkCpu), max(sparkCpu), median(rawCpu), min(rawCpu), max(rawCpu));
            System.out.printf(Locale.ROOT, "  The Spark job without the scorer: %,.0f rows/s (%,.0f..%,.0f): %.2f s of the "
                    + "variant's %.2f s per %,d rows at the medians%n", read, min(readRates), max(readRates), rows / read,
                    rows / s, rows);
        } finally {
            spark.stop();
        }
    }

    /** Feature {@code c} of row {@code id}, as the Spark projection computes it (NaN where it gives null). */
    private static float value(long id, int c) {
        return Math.floorMod(id + c, 17) == 0 ? Float.NaN : (float) Math.floorMod(id * (2L * c + 3) + (long) c * c, 5L + c);
    }

    private static double spark(Dataset<Row> input, Broadcast<byte[]> model) {
        Dataset<Row> scored = PartitionScorer.score(input.sparkSession(), input, model, ScoringPipeline.BATCH);
        return scored.selectExpr("sum(score)").first().getDouble(0);
    }

    private static double raw(byte[] file, int rows, int features) {
        double sum = 0;
        try (ChurnModel model = ChurnModel.load(file)) {
            for (int from = 0; from < rows; from += ScoringPipeline.BATCH) {
                int n = Math.min(ScoringPipeline.BATCH, rows - from);
                float[] batch = new float[n * features];
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < features; c++) {
                        batch[r * features + c] = value(from + r, c);
                    }
                }
                for (float score : model.predict(batch, n)) {
                    sum += score;
                }
            }
        }
        return sum;
    }

    private static byte[] train(List<String> names) {
        Random random = new Random(5);
        int n = 5000;
        float[] data = new float[n * names.size()];
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < names.size(); c++) {
                data[r * names.size() + c] = (float) Math.floor(random.nextDouble() * (5 + c));
            }
            labels[r] = data[r * names.size()] + random.nextGaussian() < 2 ? 1 : 0;
        }
        try (ChurnModel m = ChurnModel.train(data, labels, names, Map.of("max_depth", 4, "eta", 0.1, "seed", 7), 120)) {
            return m.toJson();
        }
    }

    /** CPU time of this whole process (every thread, XGBoost's native ones too). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
