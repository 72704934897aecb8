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
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Batch scoring throughput: the pipeline's Spark scoring ({@link PartitionScorer}: the rows of a cached DataFrame,
 * batched into matrices inside the tasks, one XGBoost thread per task, {@code local[*]}) against raw XGBoost4J scoring
 * the same rows, already in float arrays, in this JVM (batches of the same size, XGBoost's own threads, all cores).
 * Same model (trained here on synthetic rows with the churn model's feature names), same rows; rounds alternate
 * Spark and raw; medians and spread of the rounds.
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
            for (int i = 0; i < names.size(); i++) {
                select.add("CAST(floor(rand(" + i + ") * " + (5 + i) + ") AS DOUBLE) AS " + names.get(i));
            }
            Dataset<Row> input = spark.range(0, rows, 1, cores * 2).selectExpr(select.toArray(new String[0])).cache();
            input.count();
            float[] values = new float[rows * names.size()];
            int r = 0;
            for (Row row : input.collectAsList()) {
                for (int c = 0; c < names.size(); c++) {
                    values[r * names.size() + c] = (float) row.getDouble(PartitionScorer.KEY_COLUMNS + c);
                }
                r++;
            }
            Broadcast<byte[]> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model);
            System.out.printf(Locale.ROOT, "Batch scoring: %,d rows x %d features, %d cores, %d rounds (Spark local[*] "
                    + "with the pipeline's scorer vs raw XGBoost4J in this JVM), batches of %d rows%n", rows, names.size(),
                    cores, rounds, ScoringPipeline.BATCH);
            // Warm-up of both paths (JIT, native library, Spark's code generation), not counted.
            spark(input, broadcast, names.size());
            raw(model, values, names.size());
            double[] sparkRates = new double[rounds];
            double[] rawRates = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                double a = spark(input, broadcast, names.size());
                sparkRates[round] = rows / ((System.nanoTime() - t0) / 1e9);
                t0 = System.nanoTime();
                double b = raw(model, values, names.size());
                rawRates[round] = rows / ((System.nanoTime() - t0) / 1e9);
                if (Math.abs(a - b) > 1e-3 * rows) {
                    throw new IllegalStateException("The two paths scored differently: sums " + a + " and " + b);
                }
                System.out.printf(Locale.ROOT, "  round %d: Spark %,.0f rows/s, raw XGBoost4J %,.0f rows/s, ratio %.2f%n",
                        round + 1, sparkRates[round], rawRates[round], sparkRates[round] / rawRates[round]);
            }
            double s = median(sparkRates);
            double x = median(rawRates);
            System.out.printf(Locale.ROOT, "Median: Spark %,.0f rows/s (%,.0f..%,.0f), raw %,.0f rows/s (%,.0f..%,.0f): "
                            + "ratio %.2f (goal >= 0.8: %s)%n", s, min(sparkRates), max(sparkRates), x, min(rawRates),
                    max(rawRates), s / x, s / x >= 0.8 ? "met" : "NOT met");
        } finally {
            spark.stop();
        }
    }

    private static double spark(Dataset<Row> input, Broadcast<byte[]> model, int features) {
        Dataset<Row> scored = input.mapPartitions(new PartitionScorer(model, features, ScoringPipeline.BATCH),
                Encoders.row(PartitionScorer.output(input.schema())));
        return scored.selectExpr("sum(score)").first().getDouble(0);
    }

    private static double raw(byte[] file, float[] values, int features) {
        int rows = values.length / features;
        double sum = 0;
        try (ChurnModel model = ChurnModel.load(file)) {
            for (int from = 0; from < rows; from += ScoringPipeline.BATCH) {
                int n = Math.min(ScoringPipeline.BATCH, rows - from);
                float[] batch = Arrays.copyOfRange(values, from * features, (from + n) * features);
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
