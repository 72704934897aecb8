package dev.noexcuses.features.bench;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.offline.FeatureTables;
import dev.noexcuses.features.offline.TrainingSets;
import dev.noexcuses.features.online.Materializer;
import dev.noexcuses.features.online.RedisConnections;
import dev.noexcuses.features.online.RedisLayout;
import dev.noexcuses.lakehouse.Progress;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The feature store's batch benchmarks, each against the baseline a user would pick, in the same run,
 * alternating variant and baseline:
 * <ul>
 *   <li>{@code materialize USERS ROUNDS}: the materialisation of USERS entities' latest rows of {@code user_activity}
 *       (Spark query, chunked pipelined Lua writes) against pipelined raw {@code HSET} + {@code PEXPIREAT} of the same
 *       rows already in memory (Redis at {@code --redis-url}, password in FEATURES_REDIS_PASSWORD);</li>
 *   <li>{@code training-set LABELS USERS ROUNDS}: a point-in-time training set of LABELS label rows over USERS
 *       entities × 30 days against DuckDB's {@code ASOF JOIN} on the same Parquet files (the list from Iceberg).</li>
 * </ul>
 * The tables live in a local Iceberg warehouse under {@code feature-store/target/bench}.
 */
public final class FeatureStoreBenchmark {
    private static final PrintStream OUT = System.out;

    private FeatureStoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: FeatureStoreBenchmark materialize USERS ROUNDS --redis-url URL | "
                    + "training-set LABELS USERS ROUNDS");
            System.exit(2);
        }
        Path dir = Path.of(System.getProperty("bench.dir", "feature-store/target/bench")).toAbsolutePath();
        Files.createDirectories(dir);
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().appName("feature-store-benchmark").master("local[" + cores + "]")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.shuffle.partitions", String.valueOf(cores * 4))
                .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
                .config("spark.sql.catalog.lake", "org.apache.iceberg.spark.SparkCatalog")
                .config("spark.sql.catalog.lake.type", "hadoop")
                .config("spark.sql.catalog.lake.warehouse", dir.resolve("warehouse").toUri().toString())
                .config("spark.sql.defaultCatalog", "lake")
                .getOrCreate();
        try {
            switch (args[0]) {
                case "materialize" -> materialize(spark, Integer.parseInt(args[1].replace("_", "")), Integer.parseInt(args[2]),
                        new RedisAccess(option(args, "--redis-url"), "", System.getenv().getOrDefault(
                                "FEATURES_REDIS_PASSWORD", ""), "", false));
                case "training-set" -> trainingSet(spark, dir, Integer.parseInt(args[1].replace("_", "")),
                        Integer.parseInt(args[2].replace("_", "")), Integer.parseInt(args[3]), cores);
                default -> throw new IllegalArgumentException("Unknown benchmark " + args[0]);
            }
        } finally {
            spark.stop();
        }
    }

    private static String option(String[] args, String name) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        throw new IllegalArgumentException("Missing " + name);
    }

    /** {@code days} days of synthetic rows of {@code user_activity} for {@code users} entities, ending {@code last}. */
    private static void featureRows(SparkSession spark, FeatureView view, int users, int days, LocalDate last)
            throws Exception {
        spark.sql("DROP TABLE IF EXISTS " + view.table() + " PURGE");
        FeatureTables.ensure(spark, view);
        List<String> columns = new ArrayList<>(List.of(
                "concat('u-', lpad(CAST(id % " + users + " AS STRING), 8, '0')) AS user_key",
                "date_sub(DATE '" + last + "', CAST(id DIV " + users + " AS INT)) AS feature_date",
                "CAST(date_add(date_sub(DATE '" + last + "', CAST(id DIV " + users + " AS INT)), 1) AS TIMESTAMP) AS feature_time",
                "current_timestamp() AS built_at"));
        for (Feature f : view.features()) {
            columns.add(f.type().sqlType().equals("DOUBLE")
                    ? "round(rand(" + f.name().hashCode() + ") * 100, 2) AS " + f.name()
                    : "CAST(floor(rand(" + f.name().hashCode() + ") * 30) AS BIGINT) AS " + f.name());
        }
        spark.sql("SELECT " + String.join(", ", columns) + " FROM range(" + (long) users * days + ")")
                .repartition(Math.max(1, days / 2)).writeTo(view.table()).overwritePartitions();
    }

    static void materialize(SparkSession spark, int users, int rounds, RedisAccess redis) throws Exception {
        FeatureView view = FeatureRegistry.shipped().view("user_activity");
        LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        featureRows(spark, view, users, 1, yesterday);
        List<Row> rows = spark.sql("SELECT * FROM " + view.table() + " ORDER BY user_key").collectAsList();
        OUT.printf(Locale.ROOT, "Materialisation: %,d entities x %d features of %s, %d round(s) each, chunks of 500%n",
                rows.size(), view.features().size(), view.name(), rounds);
        Progress quiet = new Progress(new PrintStream(PrintStream.nullOutputStream()));
        List<Double> materialized = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        // Warm-up of both paths (class loading, JIT, Spark's first query), not counted.
        flush(redis);
        new Materializer(spark, redis, 500, Clock.systemUTC(), quiet).materialize(view, Materializer.ChunkListener.NONE);
        flush(redis);
        rawWrites(redis, view, rows.subList(0, Math.min(rows.size(), 20_000)));
        for (int round = 1; round <= rounds; round++) {
            flush(redis);
            long t0 = System.nanoTime();
            Materializer.Outcome o = new Materializer(spark, redis, 500, Clock.systemUTC(), quiet)
                    .materialize(view, Materializer.ChunkListener.NONE);
            double m = (System.nanoTime() - t0) / 1e9;
            long keys = dbSize(redis);
            materialized.add(m);
            flush(redis);
            long r0 = System.nanoTime();
            rawWrites(redis, view, rows);
            double r = (System.nanoTime() - r0) / 1e9;
            raw.add(r);
            OUT.printf(Locale.ROOT, "  round %d  materialize %,d rows %6.2f s (%,.0f rows/s, %,d keys; reading %.2f s, writing "
                    + "%.2f s)   raw pipelined HSET+PEXPIREAT %6.2f s (%,.0f rows/s, %,d keys)%n", round, o.written(), m,
                    o.written() / m, keys, o.readSeconds(), o.writeSeconds(), r, rows.size() / r, dbSize(redis));
        }
        double mm = median(materialized);
        double rm = median(raw);
        OUT.printf(Locale.ROOT, "Materialize median %.2f s (min %.2f, max %.2f): %,.0f rows/s%n", mm, min(materialized),
                max(materialized), rows.size() / mm);
        OUT.printf(Locale.ROOT, "Raw writes  median %.2f s (min %.2f, max %.2f): %,.0f rows/s%n", rm, min(raw), max(raw),
                rows.size() / rm);
        OUT.printf(Locale.ROOT, "Materialize throughput / raw = %.2f (goal >= 0.80: %s)%n", rm / mm, rm / mm >= 0.8 ? "met" : "NOT met");
    }

    private static void rawWrites(RedisAccess redis, FeatureView view, List<Row> rows) {
        try (Jedis jedis = RedisConnections.connect(redis)) {
            Pipeline p = jedis.pipelined();
            int n = 0;
            for (Row r : rows) {
                String key = RedisLayout.key(view.entity(), r.getAs("user_key"));
                Map<String, String> fields = new java.util.HashMap<>();
                long ft = ((java.sql.Timestamp) r.getAs("feature_time")).getTime();
                fields.put(RedisLayout.featureTimeField(view.name()), String.valueOf(ft));
                for (Feature f : view.features()) {
                    Object v = r.getAs(f.name());
                    if (v != null) {
                        fields.put(RedisLayout.field(view.name(), f.name()), v.toString());
                    }
                }
                p.hset(key, fields);
                p.pexpireAt(key, ft + view.ttl().toMillis());
                if (++n % 500 == 0) {
                    p.sync();
                }
            }
            p.sync();
        }
    }

    private static void flush(RedisAccess redis) {
        try (Jedis jedis = RedisConnections.connect(redis)) {
            jedis.flushAll();
        }
    }

    private static long dbSize(RedisAccess redis) {
        try (Jedis jedis = RedisConnections.connect(redis)) {
            return jedis.dbSize();
        }
    }

    static void trainingSet(SparkSession spark, Path dir, int labels, int users, int rounds, int cores) throws Exception {
        FeatureView view = FeatureRegistry.shipped().view("user_activity");
        int days = 30;
        LocalDate last = LocalDate.parse("2026-11-30");
        long t0 = System.nanoTime();
        featureRows(spark, view, users, days, last);
        Path labelDir = dir.resolve("labels");
        // Label times over the 30 days and 5 days past them (so some fall beyond the TTL: missing).
        spark.sql("SELECT concat('u-', lpad(CAST(floor(rand(7) * " + users + ") AS STRING), 8, '0')) AS user_key, "
                + "timestamp_seconds(unix_seconds(TIMESTAMP '" + last.minusDays(days - 1) + " 00:00:00') + "
                + "CAST(floor(rand(11) * " + (days + 5) * 86400L + ") AS BIGINT)) AS label_time, "
                + "CAST(rand(13) < 0.2 AS INT) AS label FROM range(" + labels + ")")
                .repartition(4).write().mode("overwrite").parquet(labelDir.toString());
        List<String> files = new ArrayList<>();
        long bytes = 0;
        for (Row r : spark.sql("SELECT file_path, file_size_in_bytes FROM " + view.table() + ".files").collectAsList()) {
            files.add(Path.of(java.net.URI.create(r.getString(0))).toString());
            bytes += r.getLong(1);
        }
        OUT.printf(Locale.ROOT, "Training set: %,d labels over %,d entities x %d days (%,d feature rows, %d Parquet files, "
                + "%,.1f MiB), %d features, TTL %s; %d round(s) each, %d cores; data ready in %.1f s%n", labels, users, days,
                (long) users * days, files.size(), bytes / 1048576.0, view.features().size(), view.ttl(), rounds, cores,
                (System.nanoTime() - t0) / 1e9);

        String featureColumns = view.features().stream().map(Feature::name).collect(Collectors.joining(", "));
        String fileList = files.stream().map(f -> "'" + f + "'").collect(Collectors.joining(", "));
        long ttlMicros = view.ttl().toNanos() / 1000;
        String duckQuery = """
                COPY (
                  SELECT l.user_key, l.label_time, l.label,
                         CASE WHEN epoch_us(l.label_time) - epoch_us(f.feature_time) <= %1$d THEN f.feature_time END AS feature_time,
                         %2$s
                  FROM (SELECT user_key, CAST(label_time AS TIMESTAMP) AS label_time, label FROM read_parquet('%3$s/*.parquet')) l
                  ASOF LEFT JOIN (SELECT user_key, CAST(feature_time AS TIMESTAMP) AS feature_time, %4$s
                                  FROM read_parquet([%5$s])) f
                    ON l.user_key = f.user_key AND l.label_time >= f.feature_time
                ) TO '%6$s' (FORMAT parquet)
                """.formatted(ttlMicros, view.features().stream()
                        .map(f -> "CASE WHEN epoch_us(l.label_time) - epoch_us(f.feature_time) <= " + ttlMicros + " THEN f."
                                + f.name() + " END AS " + f.name()).collect(Collectors.joining(", ")),
                labelDir, featureColumns, fileList, dir.resolve("duckdb-training.parquet"));

        TrainingSets sets = new TrainingSets(spark);
        // Spark's first pass pays for class loading and JIT: a warm-up on 1% of the labels, not counted.
        sets.build("bench_warm_up", spark.read().parquet(labelDir.toString()).limit(Math.max(1, labels / 100)),
                List.of(view), Map.of());
        List<Double> sparkSeconds = new ArrayList<>();
        List<Double> duckSeconds = new ArrayList<>();
        String sparkSummary = "";
        String duckSummary = "";
        double[] sparkTotals = new double[4];
        double[] duckTotals = new double[4];
        Class.forName("org.duckdb.DuckDBDriver");
        for (int round = 1; round <= rounds; round++) {
            long s0 = System.nanoTime();
            TrainingSets.Result result = sets.build("bench", spark.read().parquet(labelDir.toString()), List.of(view), Map.of());
            double s = (System.nanoTime() - s0) / 1e9;
            sparkSeconds.add(s);
            Row sum = spark.sql("SELECT count(*), count(user_activity__feature_time), sum(user_activity__sessions_7d), "
                    + "sum(user_activity__revenue_30d) FROM training.bench").first();
            sparkSummary = String.format(Locale.ROOT, "rows %,d, with values %,d, sum sessions_7d %d, sum revenue_30d %.0f",
                    sum.getLong(0), sum.getLong(1), sum.isNullAt(2) ? 0 : sum.getLong(2), sum.isNullAt(3) ? 0 : sum.getDouble(3));
            sparkTotals = new double[] {sum.getLong(0), sum.getLong(1), sum.isNullAt(2) ? 0 : sum.getLong(2),
                    sum.isNullAt(3) ? 0 : sum.getDouble(3)};
            OUT.printf(Locale.ROOT, "  round %d  Spark   %7.2f s  (%s)%n", round, s, sparkSummary);

            Files.deleteIfExists(dir.resolve("duckdb-training.parquet"));
            long d0 = System.nanoTime();
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
                st.execute("SET threads = " + cores);
                st.execute("SET TimeZone = 'UTC'");
                st.execute(duckQuery);
                double d = (System.nanoTime() - d0) / 1e9;
                duckSeconds.add(d);
                try (ResultSet rs = st.executeQuery("SELECT count(*), count(feature_time), sum(sessions_7d), sum(revenue_30d) "
                        + "FROM read_parquet('" + dir.resolve("duckdb-training.parquet") + "')")) {
                    rs.next();
                    duckSummary = String.format(Locale.ROOT, "rows %,d, with values %,d, sum sessions_7d %d, sum revenue_30d %.0f",
                            rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4));
                    duckTotals = new double[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getDouble(4)};
                }
                OUT.printf(Locale.ROOT, "  round %d  DuckDB  %7.2f s  (%s)%n", round, d, duckSummary);
            }
        }
        double sm = median(sparkSeconds);
        double dm = median(duckSeconds);
        OUT.printf(Locale.ROOT, "Spark  median %.2f s (min %.2f, max %.2f)%n", sm, min(sparkSeconds), max(sparkSeconds));
        OUT.printf(Locale.ROOT, "DuckDB median %.2f s (min %.2f, max %.2f)%n", dm, min(duckSeconds), max(duckSeconds));
        OUT.printf(Locale.ROOT, "Spark / DuckDB ASOF JOIN = %.2f (goal <= 2.00: %s); results %s%n", sm / dm,
                sm / dm <= 2.0 ? "met" : "NOT met", agree(sparkTotals, duckTotals) ? "agree" : "DIFFER");
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

    /**
     * Counts must be equal; the revenue sum may differ by a millionth, since the engines add the
     * same doubles in a different order.
     */
    private static boolean agree(double[] spark, double[] duck) {
        for (int i = 0; i < 3; i++) {
            if (spark[i] != duck[i]) {
                return false;
            }
        }
        return Math.abs(spark[3] - duck[3]) <= 1e-6 * Math.max(1.0, Math.abs(spark[3]));
    }
}
