package dev.noexcuses.lakehouse.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noexcuses.lakehouse.parallelism.Advice;
import dev.noexcuses.lakehouse.parallelism.ClusterProbe;
import dev.noexcuses.lakehouse.parallelism.ClusterShape;
import dev.noexcuses.lakehouse.parallelism.InputLayout;
import dev.noexcuses.lakehouse.parallelism.ParallelismAdvisor;
import dev.noexcuses.lakehouse.runs.StageTimeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * One Spark session of the parallelism benchmark ({@code bench/run spark-parallelism} starts it once for
 * local mode and once on the standalone cluster): writes the same rows as differently laid out Iceberg
 * tables (when asked), then runs the same job on each layout with Spark's defaults and with the advice,
 * alternating them, and prints one {@code RESULT} JSON line per run: wall time, idle core share and the
 * read stage's task time spread.
 * Usage: {@code ParallelismBenchmarkRun local|cluster MASTER MASTER_UI DIR ROWS ROUNDS PREPARE}.
 */
public final class ParallelismBenchmarkRun {
    static final List<String> LAYOUTS = List.of("many_small", "few_large", "one_huge", "skewed");
    /** The SQL settings the advice changes within a session (session-level ones are equal here, see the doc). */
    private static final List<String> SQL_SETTINGS = List.of("spark.sql.files.maxPartitionBytes",
            "spark.sql.iceberg.read.split-size", "spark.sql.iceberg.read.adaptive-split-size.enabled",
            "spark.sql.shuffle.partitions");

    private ParallelismBenchmarkRun() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String master = args[1];
        String masterUi = args[2].equals("-") ? "" : args[2];
        Path dir = Path.of(args[3]).toAbsolutePath();
        long rows = Long.parseLong(args[4]);
        int rounds = Integer.parseInt(args[5]);
        boolean prepare = Boolean.parseBoolean(args[6]);

        SparkSession.Builder builder = SparkSession.builder().appName("spark-parallelism-" + mode).master(master)
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.bench", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.bench.type", "hadoop")
                .config("spark.sql.catalog.bench.warehouse", dir.resolve("warehouse").toUri().toString())
                .config("spark.sql.defaultCatalog", "bench");
        if (mode.equals("cluster")) {
            builder.config("spark.executor.memory", "768m");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            awaitExecutors(spark, mode);
            StageTimeline timeline = new StageTimeline(spark.sparkContext());
            spark.sparkContext().addSparkListener(timeline);
            if (prepare) {
                writeLayouts(spark, rows);
            }
            ClusterShape cluster = mode.equals("cluster") ? ClusterProbe.probe(master, masterUi, 0, 0)
                    : ClusterShape.local(Runtime.getRuntime().availableProcessors(), master);
            ObjectMapper json = new ObjectMapper();
            // An untimed run first, so neither variant pays for the session's cold start (JIT, class loading).
            runJob(spark, timeline, LAYOUTS.get(1), "spark-defaults",
                    new ParallelismAdvisor().advise(layoutOf(spark, LAYOUTS.get(1)), cluster));
            for (String layout : LAYOUTS) {
                Advice advice = new ParallelismAdvisor().advise(layoutOf(spark, layout), cluster);
                for (int round = 1; round <= rounds; round++) {
                    // A/B, then B/A: neither variant always runs first.
                    List<String> order = round % 2 == 1 ? List.of("spark-defaults", "advised") : List.of("advised", "spark-defaults");
                    for (String settings : order) {
                        Map<String, Object> result = runJob(spark, timeline, layout, settings, advice);
                        result.put("mode", mode);
                        result.put("round", round);
                        System.out.println("RESULT " + json.writeValueAsString(result));
                    }
                }
            }
        } finally {
            spark.stop();
        }
    }

    private static void awaitExecutors(SparkSession spark, String mode) throws InterruptedException {
        if (!mode.equals("cluster")) {
            return;
        }
        long deadline = System.currentTimeMillis() + 180_000;
        // The driver is listed too: wait for it and the two workers' executors.
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < 3 && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
        }
    }

    /** The same rows, written as four layouts. Row groups of 4 MiB make the large files splittable. */
    private static void writeLayouts(SparkSession spark, long rows) throws Exception {
        Dataset<Row> data = spark.range(rows).select(
                functions.col("id"),
                functions.col("id").mod(50_000).cast("string").as("user_id"),
                functions.element_at(functions.array(functions.lit("page_view"), functions.lit("product_view"),
                        functions.lit("add_to_cart"), functions.lit("purchase")), functions.col("id").mod(4).plus(1).cast("int"))
                        .as("event_type"),
                functions.col("id").mod(9973).divide(7.0).as("price"),
                functions.timestamp_seconds(functions.lit(1_790_000_000L).plus(functions.col("id").mod(86_400))).as("ts"),
                functions.sha2(functions.col("id").cast("string"), 256).as("payload"));
        String props = "TBLPROPERTIES ('format-version' = '2', 'write.parquet.row-group-size-bytes' = '4194304', "
                + "'write.target-file-size-bytes' = '1073741824', 'write.distribution-mode' = 'none')";
        for (String layout : LAYOUTS) {
            spark.sql("DROP TABLE IF EXISTS bench.layouts." + layout + " PURGE");
            spark.sql("CREATE TABLE bench.layouts." + layout + " (id BIGINT, user_id STRING, event_type STRING, price DOUBLE, "
                    + "ts TIMESTAMP, payload STRING) USING iceberg " + props);
        }
        data.repartition(200).writeTo("bench.layouts.many_small").append();
        data.repartition(4).writeTo("bench.layouts.few_large").append();
        data.coalesce(1).writeTo("bench.layouts.one_huge").append();
        // Half the rows in one file of a single row group (unsplittable), the other half in 20 small files.
        spark.sql("ALTER TABLE bench.layouts.skewed SET TBLPROPERTIES ('write.parquet.row-group-size-bytes' = '1073741824')");
        data.filter(functions.col("id").mod(2).equalTo(0)).coalesce(1).writeTo("bench.layouts.skewed").append();
        data.filter(functions.col("id").mod(2).equalTo(1)).repartition(20).writeTo("bench.layouts.skewed").append();
    }

    static InputLayout layoutOf(SparkSession spark, String layout) {
        List<InputLayout.DataFile> files = new ArrayList<>();
        for (Row r : spark.sql("SELECT file_size_in_bytes, split_offsets FROM bench.layouts." + layout + ".files").collectAsList()) {
            int rowGroups = r.isNullAt(1) ? 1 : Math.max(1, r.getList(1).size());
            files.add(new InputLayout.DataFile(r.getLong(0), rowGroups));
        }
        return new InputLayout(List.of("bench.layouts." + layout), files);
    }

    /** Reads the layout, hashes every row (a narrow stage), aggregates per user (a shuffle), writes the result. */
    private static Map<String, Object> runJob(SparkSession spark, StageTimeline timeline, String layout, String settings,
                                              Advice advice) throws Exception {
        for (String key : SQL_SETTINGS) {
            spark.conf().unset(key);
        }
        if (settings.equals("advised")) {
            for (String key : SQL_SETTINGS) {
                spark.conf().set(key, advice.sparkConf().get(key));
            }
        }
        spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
        timeline.reset();
        long started = System.nanoTime();
        Dataset<Row> in = spark.table("bench.layouts." + layout);
        if (settings.equals("advised") && advice.repartitionAfterRead().isPresent()) {
            in = in.repartition(advice.repartitionAfterRead().get());
        }
        in.withColumn("h", functions.sha2(functions.concat(functions.col("payload"), functions.col("event_type")), 512))
                .groupBy("user_id")
                .agg(functions.count("*").as("events"), functions.sum("price").as("revenue"), functions.max("h").as("h"))
                .writeTo("bench.results." + layout).createOrReplace();
        long wallMillis = (System.nanoTime() - started) / 1_000_000;
        spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
        Map<String, Object> figures = timeline.snapshot();
        List<StageTimeline.StageFigures> stages = timeline.stages();
        StageTimeline.StageFigures read = stages.stream().filter(s -> s.tasks() > 0).findFirst().orElse(null);
        long taskSum = stages.stream().mapToLong(StageTimeline.StageFigures::taskMillis).sum();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("layout", layout);
        r.put("settings", settings);
        r.put("files", advice.input().files().size());
        r.put("mib", advice.input().totalBytes() / 1048576.0);
        r.put("wall_ms", wallMillis);
        r.put("idle_core_share", figures.get("idle_core_share"));
        r.put("task_ms", taskSum);
        r.put("stages", stages.size());
        r.put("read_tasks", read == null ? 0 : read.tasks());
        r.put("read_max_task_ms", read == null ? 0 : read.maxTaskMillis());
        r.put("read_median_task_ms", read == null ? 0 : read.medianTaskMillis());
        r.put("max_task_ms", stages.stream().mapToLong(StageTimeline.StageFigures::maxTaskMillis).max().orElse(0));
        r.put("shuffle_partitions", spark.conf().get("spark.sql.shuffle.partitions"));
        r.put("split_bytes", settings.equals("advised") ? advice.splitBytes() : 0);
        r.put("repartition", settings.equals("advised") ? advice.repartitionAfterRead().orElse(0) : 0);
        r.put("cores", stages.isEmpty() ? 0 : stages.get(0).cores());
        return r;
    }
}
