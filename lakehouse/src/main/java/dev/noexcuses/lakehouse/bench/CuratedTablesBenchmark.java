package dev.noexcuses.lakehouse.bench;

import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.jobs.CurateJob;
import dev.noexcuses.lakehouse.jobs.DailyJob;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import dev.noexcuses.lakehouse.jobs.ModelJob;
import dev.noexcuses.lakehouse.jobs.SessionsJob;
import dev.noexcuses.lakehouse.runs.SparkMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the curated tables ({@code curated.events}, {@code sessions}, the star schema and
 * {@code daily_kpis}) from N raw events with the Spark curate, sessions and model jobs, and the same
 * transformations as DuckDB SQL on the same Parquet files (the list taken from Iceberg), in the same
 * run, alternating Spark, DuckDB, Spark, DuckDB. Prints each round's time per job, the medians, their
 * ratio, both engines' row counts per table (they must agree) and Spark's peak heap.
 * Usage: {@code bench/run lakehouse [events] [rounds] [dir]}.
 */
public final class CuratedTablesBenchmark {
    private CuratedTablesBenchmark() {}

    public static void main(String[] args) throws Exception {
        long events = args.length > 0 ? Long.parseLong(args[0].replace("_", "")) : 10_000_000L;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path dir = Path.of(args.length > 2 ? args[2] : "lakehouse/target/bench").toAbsolutePath();
        int cores = Runtime.getRuntime().availableProcessors();
        Files.createDirectories(dir);
        PrintStream out = System.out;
        out.printf("Curated tables benchmark: %,d raw events, %d round(s) each, %d cores, JVM heap %,d MiB, in %s%n", events, rounds,
                cores, Runtime.getRuntime().maxMemory() / (1024 * 1024), dir);

        SparkSession spark = SparkSession.builder()
                .appName("curated-tables-benchmark")
                .master("local[" + cores + "]")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", String.valueOf(cores * 4))
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.lake.type", "hadoop")
                .config("spark.sql.catalog.lake.warehouse", dir.resolve("warehouse").toUri().toString())
                .config("spark.sql.defaultCatalog", "lake")
                .getOrCreate();
        try {
            long t0 = System.nanoTime();
            boolean reuse = LakeTables.exists(spark, LakeTables.RAW_EVENTS)
                    && spark.sql("SELECT count(*) FROM " + LakeTables.RAW_EVENTS).first().getLong(0) == events;
            if (!reuse) {
                out.printf("Writing %,d synthetic raw events ...%n", events);
                SyntheticRawEvents.create(spark, events);
            }
            out.printf("Raw table ready in %.1f s%s%n", (System.nanoTime() - t0) / 1e9, reuse ? " (reused)" : "");
            LakeTables.ensure(spark);
            List<LocalDate> days = new ArrayList<>();
            for (Row r : spark.sql("SELECT DISTINCT to_date(event_time) FROM " + LakeTables.RAW_EVENTS + " ORDER BY 1")
                    .collectAsList()) {
                days.add(r.getDate(0).toLocalDate());
            }
            List<String> files = new ArrayList<>();
            long bytes = 0;
            for (Row r : spark.sql("SELECT file_path, file_size_in_bytes FROM " + LakeTables.RAW_EVENTS + ".files").collectAsList()) {
                files.add(Path.of(java.net.URI.create(r.getString(0))).toString());
                bytes += r.getLong(1);
            }
            out.printf("Input: %d Parquet files, %,.1f MiB, %d days%n", files.size(), bytes / 1048576.0, days.size());
            Path catalogue = dir.resolve("products.csv");
            try (InputStream in = CuratedTablesBenchmark.class.getResourceAsStream("/catalogue/products.csv")) {
                Files.copy(in, catalogue, StandardCopyOption.REPLACE_EXISTING);
            }

            List<Double> sparkSeconds = new ArrayList<>();
            List<Double> duckSeconds = new ArrayList<>();
            List<DailyJob> jobs = List.of(new CurateJob(), new SessionsJob(), new ModelJob());
            Map<String, List<Double>> sparkSteps = new LinkedHashMap<>();
            Map<String, List<Double>> duckSteps = new LinkedHashMap<>();
            long sparkPeakHeap = 0;
            Map<String, Long> sparkRows = Map.of();
            Map<String, Long> duckRows = Map.of();
            Progress quiet = new Progress(new PrintStream(PrintStream.nullOutputStream()));
            // -Dbench.only=duckdb: DuckDB's side alone, over the raw table and against the curated tables an earlier run's
            // Spark side left in the same directory (for a second try of DuckDB with another memory limit).
            boolean sparkSide = !"duckdb".equals(System.getProperty("bench.only"));
            long duckMemory = Long.getLong("bench.duckdb.memory-mb", Runtime.getRuntime().maxMemory() / 1048576) * 1048576;
            if (!sparkSide) {
                out.printf("DuckDB only, memory limit %,d MiB; Spark's tables from the earlier run in %s%n",
                        duckMemory / 1048576, dir);
                sparkRows = sparkRowCounts(spark);
            }
            // Spark's first pass pays for class loading and JIT compilation: a warm-up over the first day, not counted.
            long w0 = System.nanoTime();
            for (DailyJob job : sparkSide ? jobs : List.<DailyJob>of()) {
                job.run(spark, "bench-warm-up", days.subList(0, 1), quiet);
            }
            if (sparkSide) {
                out.printf(Locale.ROOT, "  warm-up Spark over %s: %.1f s (not counted)%n", days.get(0), (System.nanoTime() - w0) / 1e9);
            }
            for (int round = 1; round <= rounds; round++) {
                System.gc();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                long s0 = System.nanoTime();
                List<String> steps = new ArrayList<>();
                for (DailyJob job : sparkSide ? jobs : List.<DailyJob>of()) {
                    long j0 = System.nanoTime();
                    job.run(spark, "bench-" + round, days, quiet);
                    double jobS = (System.nanoTime() - j0) / 1e9;
                    sparkSteps.computeIfAbsent(job.name(), k -> new ArrayList<>()).add(jobS);
                    steps.add(String.format(Locale.ROOT, "%s %.1f", job.name(), jobS));
                }
                double sparkS = (System.nanoTime() - s0) / 1e9;
                if (sparkSide) {
                    long peak = SparkMetrics.peakHeapBytes();
                    sparkPeakHeap = Math.max(sparkPeakHeap, peak);
                    sparkRows = sparkRowCounts(spark);
                    sparkSeconds.add(sparkS);
                    out.printf(Locale.ROOT, "  round %d  Spark   %8.1f s (%s)  peak heap %,d MiB%n", round, sparkS,
                            String.join(", ", steps), peak / 1048576);
                }

                Path duckOut = dir.resolve("duckdb-out");
                deleteRecursively(duckOut);
                Files.createDirectories(duckOut);
                long d0 = System.nanoTime();
                DuckDbLakehouse.Result duck = DuckDbLakehouse.run(files, catalogue, duckOut, cores, duckMemory);
                double duckS = (System.nanoTime() - d0) / 1e9;
                duckRows = duck.rows();
                duckSeconds.add(duckS);
                duck.seconds().forEach((step, sec) -> duckSteps.computeIfAbsent(step, k -> new ArrayList<>()).add(sec));
                out.printf(Locale.ROOT, "  round %d  DuckDB  %8.1f s (%s)%n", round, duckS, duck.seconds().entrySet().stream()
                        .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue()))
                        .collect(java.util.stream.Collectors.joining(", ")));
            }
            double duckMedian = median(duckSeconds);
            if (sparkSide) {
                double sparkMedian = median(sparkSeconds);
                out.printf(Locale.ROOT, "Spark  median %.1f s (min %.1f, max %.1f)%n", sparkMedian, min(sparkSeconds), max(sparkSeconds));
                out.printf(Locale.ROOT, "DuckDB median %.1f s (min %.1f, max %.1f)%n", duckMedian, min(duckSeconds), max(duckSeconds));
                out.println("Per step, medians (s): step | Spark | DuckDB | ratio");
                for (String step : sparkSteps.keySet()) {
                    double a = median(sparkSteps.get(step));
                    double b = median(duckSteps.getOrDefault(step, List.of(Double.NaN)));
                    out.printf(Locale.ROOT, "  %-9s %8.1f %8.1f %6.2f%n", step, a, b, a / b);
                }
                out.printf(Locale.ROOT, "Spark / DuckDB = %.2f (goal <= 2.00: %s)%n", sparkMedian / duckMedian,
                        sparkMedian / duckMedian <= 2.0 ? "met" : "NOT met");
            } else {
                out.printf(Locale.ROOT, "DuckDB median %.1f s (min %.1f, max %.1f); steps (s): %s%n", duckMedian,
                        min(duckSeconds), max(duckSeconds), duckSteps.entrySet().stream()
                                .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), median(e.getValue())))
                                .collect(java.util.stream.Collectors.joining(", ")));
            }
            out.println("Rows per table: table | Spark | DuckDB");
            boolean differ = false;
            for (Map.Entry<String, Long> e : sparkRows.entrySet()) {
                Long d = duckRows.get(e.getKey());
                differ |= !e.getValue().equals(d);
                out.printf(Locale.ROOT, "  %-17s %,12d %,12d%s%n", e.getKey(), e.getValue(), d, e.getValue().equals(d) ? "" : "  DIFFER");
            }
            out.printf(Locale.ROOT, "Spark peak heap %,d MiB of %,d MiB; process peak RSS %,d MiB (includes DuckDB's native memory)%n",
                    sparkPeakHeap / 1048576, Runtime.getRuntime().maxMemory() / 1048576,
                    SparkMetrics.peakResidentBytes() / 1048576);
            if (differ) {
                throw new IllegalStateException("Spark and DuckDB built tables of different sizes");
            }
        } finally {
            spark.stop();
        }
    }

    /** Rows of each curated table, as the DuckDB side names them. */
    private static Map<String, Long> sparkRowCounts(SparkSession spark) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String table : List.of(LakeTables.EVENTS, LakeTables.SESSIONS, LakeTables.FACT_ORDERS,
                LakeTables.FACT_ORDER_ITEMS, LakeTables.FACT_PAGE_VIEWS, LakeTables.DIM_USERS, LakeTables.DIM_PRODUCTS,
                LakeTables.DIM_DATE, LakeTables.DAILY_KPIS)) {
            rows.put(table.substring(table.indexOf('.') + 1), spark.sql("SELECT count(*) FROM " + table).first().getLong(0));
        }
        return rows;
    }

    private static double median(List<Double> v) {
        List<Double> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static double min(List<Double> v) {
        return v.stream().min(Double::compare).orElse(0.0);
    }

    private static double max(List<Double> v) {
        return v.stream().max(Double::compare).orElse(0.0);
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
