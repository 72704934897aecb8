package dev.noexcuses.bench.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.bench.Rounds;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.trino.EmbeddedTrino;
import dev.noexcuses.infra.trino.TrinoAccess;
import dev.noexcuses.loader.batch.commit.IcebergCommitter;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import dev.noexcuses.loader.batch.write.RowDecoder;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Batch SQL on the lake: the daily KPI, funnel and revenue queries over the curated star schema on the
 * embedded Trino against DuckDB (in-process, JDBC) on the same Parquet files, in the same run, alternating
 * A/B; plus Trino's start time and memory. Web-shop visits are written into {@code raw.enriched_events} by
 * the batch loader's own writer and committer, and the lakehouse jobs build {@code curated.*} from them on
 * Spark; DuckDB reads each curated table's data files (the list comes from Iceberg's scan planning) where
 * the embedded S3 server keeps them, Trino through its Iceberg connector over S3. Both engines run the same
 * SQL text, and their answers are compared row by row.
 *
 * <p>Run: {@code ./bench/run trino [rows] [runs]}.
 */
public final class QueryEngineBenchmark {
    private static final Random RANDOM = new Random(7);
    private static final int DAYS = 7;
    private static final int USERS = 40_000;
    /** The shop's catalogue has P0001 to P0050 (the quality job refuses a day of unknown products). */
    private static final int PRODUCTS = 50;
    private static final LocalDate FIRST_DAY = LocalDate.parse("2026-11-01");

    /**
     * Per day, from the star schema: events and active users (curated.events), sessions and conversion
     * (curated.sessions), orders, revenue and average order value (curated.fact_orders).
     */
    static final String DAILY_KPIS = """
            WITH ev AS (SELECT event_date, count(*) AS events, count(DISTINCT user_key) AS active_users
                        FROM curated.events GROUP BY event_date),
                 se AS (SELECT event_date, count(*) AS sessions, count_if(converted) AS converted_sessions
                        FROM curated.sessions GROUP BY event_date),
                 o AS (SELECT event_date, count(*) AS orders, sum(order_value) AS revenue
                       FROM curated.fact_orders GROUP BY event_date)
            SELECT ev.event_date, ev.events, ev.active_users, se.sessions,
                   round(CAST(se.converted_sessions AS DOUBLE) / se.sessions, 6) AS conversion_rate,
                   coalesce(o.orders, 0) AS orders, round(coalesce(o.revenue, 0), 2) AS revenue,
                   round(o.revenue / o.orders, 4) AS average_order_value
            FROM ev LEFT JOIN se ON se.event_date = ev.event_date LEFT JOIN o ON o.event_date = ev.event_date
            ORDER BY ev.event_date""";

    /** Per day, by session: sessions that viewed a product, then added to cart, then checked out, then bought. */
    static final String FUNNEL = """
            WITH steps AS (
                SELECT event_date, session_id,
                       max(CASE WHEN event_type = 'product_view' THEN 1 ELSE 0 END) AS viewed,
                       max(CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END) AS added,
                       max(CASE WHEN event_type = 'checkout' THEN 1 ELSE 0 END) AS checked_out,
                       max(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS bought
                FROM curated.events
                GROUP BY event_date, session_id)
            SELECT event_date, count(*) AS sessions, sum(viewed) AS viewed, sum(viewed * added) AS added,
                   sum(viewed * added * checked_out) AS checked_out,
                   sum(viewed * added * checked_out * bought) AS bought
            FROM steps
            GROUP BY event_date
            ORDER BY event_date""";

    /** Revenue and units per product category and day: order lines joined to the product dimension. */
    static final String REVENUE_PER_CATEGORY = """
            SELECT i.event_date, p.category, count(DISTINCT i.order_id) AS orders, sum(i.quantity) AS units,
                   round(sum(i.line_value), 2) AS revenue
            FROM curated.fact_order_items i JOIN curated.dim_products p ON p.product_id = i.product_id
            GROUP BY i.event_date, p.category
            ORDER BY i.event_date, p.category""";

    /** The tables the queries read; DuckDB gets a view of each over the same data files. */
    private static final List<String> TABLES = List.of("curated.events", "curated.sessions", "curated.fact_orders",
            "curated.fact_order_items", "curated.dim_products");

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        // The Spark job JVM gets no UI port: nothing else of the benchmark listens on a fixed port.
        Config base = PlatformConfig.defaults(Map.of("lakehouse.ui-port", "-1"));
        System.out.printf("Query benchmark: %,d events over %d days, %d measured runs per engine and query; %d cores%n",
                rows, DAYS, runs, Runtime.getRuntime().availableProcessors());
        try (LocalInfra infra = LocalInfra.forTests(base).start("postgres", "s3")) {
            Config services = infra.serviceConfig(base);
            writeRawEvents(services, rows);
            buildCuratedTables(services);
            Map<String, List<Path>> files = dataFiles(services, infra.dataDir());

            long t0 = System.nanoTime();
            infra.start("trino");
            double trinoStartSeconds = (System.nanoTime() - t0) / 1e9;
            EmbeddedTrino trino = (EmbeddedTrino) infra.component("trino").orElseThrow();
            TrinoAccess access = trino.access();
            long trinoIdleRss = rssMiB(trino);
            System.out.printf("Trino started in %.1f s; RSS %d MiB before the first query%n", trinoStartSeconds,
                    trinoIdleRss);

            try (Connection t = DriverManager.getConnection(access.jdbcUrl(), access.jdbcProperties());
                 Connection d = DriverManager.getConnection("jdbc:duckdb:")) {
                try (Statement s = d.createStatement()) {
                    s.execute("SET TimeZone = 'UTC'");
                    s.execute("SET threads = " + Runtime.getRuntime().availableProcessors());
                    // The same table names as in Trino, so both engines run the very same SQL text.
                    s.execute("CREATE SCHEMA curated");
                    for (Map.Entry<String, List<Path>> table : files.entrySet()) {
                        StringBuilder list = new StringBuilder();
                        table.getValue().forEach(f -> list.append(list.length() == 0 ? "" : ", ").append('\'')
                                .append(f.toString().replace("'", "''")).append('\''));
                        s.execute("CREATE VIEW " + table.getKey() + " AS SELECT * FROM read_parquet([" + list + "])");
                    }
                }
                Map<String, String> queries = new LinkedHashMap<>();
                queries.put("daily KPIs", DAILY_KPIS);
                queries.put("funnel", FUNNEL);
                queries.put("revenue per category", REVENUE_PER_CATEGORY);
                Map<String, List<Double>> trinoTimes = new HashMap<>();
                Map<String, List<Double>> duckTimes = new HashMap<>();
                for (Map.Entry<String, String> query : queries.entrySet()) {
                    // Warm-up, and the check that both engines give the same answer.
                    List<String> fromTrino = rows(t, query.getValue());
                    List<String> fromDuck = rows(d, query.getValue());
                    if (fromTrino.isEmpty() || !sameAnswer(fromTrino, fromDuck)) {
                        throw new IllegalStateException(query.getKey() + ": the engines disagree\nTrino:  " + fromTrino
                                + "\nDuckDB: " + fromDuck);
                    }
                    System.out.printf("%s: %d rows, equal on both engines; first: %s%n", query.getKey(), fromTrino.size(),
                            fromTrino.get(0));
                    trinoTimes.put(query.getKey(), new ArrayList<>());
                    duckTimes.put(query.getKey(), new ArrayList<>());
                }
                // A/B/A/B: each run times every query on Trino, then on DuckDB.
                for (int run = 0; run < runs; run++) {
                    for (Map.Entry<String, String> query : queries.entrySet()) {
                        trinoTimes.get(query.getKey()).add(timed(t, query.getValue()));
                        duckTimes.get(query.getKey()).add(timed(d, query.getValue()));
                    }
                }
                System.out.printf("Trino RSS after the runs: %d MiB (heap -Xmx %s)%n", rssMiB(trino),
                        trino.connectionDetails().get("heap"));
                System.out.println();
                System.out.println("| query | Trino median (min–max), s | DuckDB median (min–max), s | Trino / DuckDB |");
                System.out.println("|---|---:|---:|---:|");
                for (String name : queries.keySet()) {
                    List<Double> tt = trinoTimes.get(name);
                    List<Double> dt = duckTimes.get(name);
                    System.out.printf(Locale.ROOT, "| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.1f |%n", name,
                            median(tt), min(tt), max(tt), median(dt), min(dt), max(dt), median(tt) / median(dt));
                }
                System.out.printf(Locale.ROOT, "%nTrino start %.1f s, RSS %d MiB idle; data:%n", trinoStartSeconds,
                        trinoIdleRss);
                for (Map.Entry<String, List<Path>> table : files.entrySet()) {
                    System.out.printf(Locale.ROOT, "  %-26s %4d Parquet files, %s%n", table.getKey(), table.getValue().size(),
                            human(table.getValue().stream().mapToLong(QueryEngineBenchmark::size).sum()));
                }
            }
        }
    }

    /** Writes the events into raw.enriched_events with the batch loader's writer and committer. */
    private static void writeRawEvents(Config services, int rows) throws Exception {
        long t0 = System.nanoTime();
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(services))) {
            Table table = EventTables.ensure(lake.catalog(), TableIdentifier.parse("raw.enriched_events"),
                    EventTables.ENRICHED_EVENTS, tableProperties(services));
            RowDecoder decoder = new RowDecoder(table.schema(), EventTables.FAILED_EVENTS,
                    dev.noexcuses.common.privacy.Pseudonymiser.from(services));
            OffsetDateTime loadedAt = OffsetDateTime.now(ZoneOffset.UTC);
            PartitionedFileWriter writer = new PartitionedFileWriter(table,
                    OutputFileFactory.builderFor(table, 0, 0).format(FileFormat.PARQUET).build(), 128L << 20);
            ShopVisits visits = new ShopVisits(FIRST_DAY.atStartOfDay(ZoneOffset.UTC).toInstant());
            for (int i = 0; i < rows; i++) {
                byte[] json = Json.toBytes(visits.next(i));
                writer.write(decoder.enriched(json, new RowDecoder.Origin("bench", 0, i, loadedAt)).record());
            }
            List<DataFile> written = writer.complete();
            new IcebergCommitter(table, "bench", "bench", 5, Duration.ofMillis(50)).commit(written, Map.of(),
                    Map.of(new org.apache.kafka.common.TopicPartition("bench", 0), (long) rows), () -> { });
            System.out.printf("Wrote %,d rows into raw.enriched_events (%d data files) in %.1f s%n", rows, written.size(),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The lakehouse jobs (quality, curate, sessions, model) on Spark, in their own JVM as ./platform runs them. */
    private static void buildCuratedTables(Config services) throws Exception {
        long t0 = System.nanoTime();
        LocalDate last = FIRST_DAY.plusDays(DAYS - 1);
        System.out.printf("Building the curated tables for %s to %s with the lakehouse jobs (Spark) ...%n", FIRST_DAY, last);
        int code = new SparkJobLauncher(services).run("all", FIRST_DAY, last);
        if (code != 0) {
            throw new IllegalStateException("The lakehouse jobs failed (exit code " + code + ")");
        }
        System.out.printf("Curated tables built in %.1f s (not part of the comparison)%n", (System.nanoTime() - t0) / 1e9);
    }

    /** Each queried table's current data files, from Iceberg's scan planning, where the embedded S3 server keeps them. */
    private static Map<String, List<Path>> dataFiles(Config services, Path dataDir) throws Exception {
        Map<String, List<Path>> files = new LinkedHashMap<>();
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(services))) {
            for (String name : TABLES) {
                Table table = lake.catalog().loadTable(TableIdentifier.parse(name));
                List<Path> paths = new ArrayList<>();
                try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
                    for (FileScanTask task : tasks) {
                        if (!task.deletes().isEmpty()) {
                            throw new IllegalStateException(name + " has delete files: DuckDB would read deleted rows");
                        }
                        // s3proxy keeps each object as a file <s3 dir>/<bucket>/<key>.
                        String location = task.file().location();
                        Path file = dataDir.resolve("s3").resolve(location.substring(location.indexOf("://") + 3));
                        if (!Files.isRegularFile(file)) {
                            throw new IllegalStateException("Data file " + location + " not found at " + file);
                        }
                        paths.add(file);
                    }
                }
                if (paths.isEmpty()) {
                    throw new IllegalStateException(name + " has no data files: the lakehouse jobs wrote nothing");
                }
                files.put(name, paths);
            }
        }
        return files;
    }

    private static Map<String, String> tableProperties(Config services) {
        Map<String, String> props = new HashMap<>();
        services.getConfig("batch-loader.table-properties").entrySet().forEach(e ->
                props.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
        return props;
    }

    /**
     * Web-shop visits: a visitor (two in three logged in) comes at a random time of the seven days and
     * sends 2 to 16 events a few seconds to two minutes apart, browsing, then perhaps adding to cart,
     * checking out and buying: so sessions, funnels and orders have realistic shapes.
     */
    private static final class ShopVisits {
        private final Instant firstDay;
        private String userId;
        private String anonymousId;
        private Instant time;
        private int left;
        private int stage;

        ShopVisits(Instant firstDay) {
            this.firstDay = firstDay;
        }

        EventEnvelope next(int n) {
            if (left == 0) {
                int user = RANDOM.nextInt(USERS);
                anonymousId = "a-" + user;
                userId = user % 3 == 0 ? null : "u-" + user;
                time = firstDay.plus(RANDOM.nextInt(DAYS), ChronoUnit.DAYS).plusMillis(RANDOM.nextInt(84_000_000));
                left = 2 + RANDOM.nextInt(15);
                stage = 0;
            }
            left--;
            time = time.plusMillis(5_000 + RANDOM.nextInt(115_000));
            String product = String.format(Locale.ROOT, "P%04d", 1 + RANDOM.nextInt(PRODUCTS));
            double price = 5 + RANDOM.nextInt(29_500) / 100.0;
            double r = RANDOM.nextDouble();
            ObjectNode data = Json.mapper().createObjectNode();
            String type;
            if (stage == 2 && r < 0.4) {
                type = "purchase";
                stage = 0;
                int quantity = 1 + RANDOM.nextInt(2);
                data.put("order_id", "o-" + n).put("value", Math.round(price * quantity * 100) / 100.0).put("currency", "EUR")
                        .put("payment_method", r < 0.3 ? "card" : "paypal");
                data.putArray("items").addObject().put("product_id", product).put("quantity", quantity).put("price", price);
            } else if (stage == 1 && r < 0.2) {
                type = "checkout";
                stage = 2;
                data.put("cart_id", "c-" + n).put("items", 1).put("value", price).put("currency", "EUR");
            } else if (r < 0.4) {
                type = "page_view";
                data.put("url", "https://shop.example.com/p/" + product).put("page_type", "product");
            } else if (r < 0.75) {
                type = "product_view";
                data.put("product_id", product);
            } else if (r < 0.9) {
                type = "search";
                data.put("query", "shoes " + RANDOM.nextInt(50)).put("results", RANDOM.nextInt(40));
            } else {
                type = "add_to_cart";
                stage = Math.max(stage, 1);
                data.put("product_id", product).put("quantity", 1 + RANDOM.nextInt(3)).put("price", price);
            }
            ObjectNode enrichments = Json.mapper().createObjectNode();
            enrichments.putObject("user_agent").put("browser", n % 3 == 0 ? "Chrome" : "Firefox").put("os", "Linux")
                    .put("device", anonymousId.hashCode() % 4 == 0 ? "Mobile" : "Desktop");
            enrichments.putObject("geo").put("country_code", anonymousId.hashCode() % 5 == 0 ? "FR" : "DE");
            Instant received = time.plusMillis(RANDOM.nextInt(2000));
            return new EventEnvelope(UUID.randomUUID().toString(), "com.webshop/" + type + "/1-0-0", time, "web-shop",
                    userId, anonymousId, data, new CollectorMetadata(received, "collector-1", "r-" + n,
                    "203.0.113." + n % 250, "Mozilla/5.0", "web-shop", "rest"), enrichments);
        }
    }

    private static List<String> rows(Connection c, String sql) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    // Numbers compared by value: one engine says 12 (BIGINT), the other 12 (HUGEINT) or 12.0.
                    row.append(i == 1 ? "" : ",").append(v instanceof Number number
                            ? new java.math.BigDecimal(number.toString()).stripTrailingZeros().toPlainString()
                            : String.valueOf(v));
                }
                rows.add(row.toString());
            }
        }
        return rows;
    }

    /** Equal rows; sums of doubles may differ in the last digits, as the engines add in different orders. */
    private static boolean sameAnswer(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int r = 0; r < a.size(); r++) {
            String[] x = a.get(r).split(",");
            String[] y = b.get(r).split(",");
            if (x.length != y.length) {
                return false;
            }
            for (int i = 0; i < x.length; i++) {
                if (x[i].equals(y[i])) {
                    continue;
                }
                try {
                    double p = Double.parseDouble(x[i]);
                    double q = Double.parseDouble(y[i]);
                    if (Math.abs(p - q) > 1e-6 * Math.max(1, Math.abs(p))) {
                        return false;
                    }
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private static double timed(Connection c, String sql) throws Exception {
        long t0 = System.nanoTime();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(1);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long rssMiB(InfraComponent trino) throws Exception {
        long pid = ((EmbeddedTrino) trino).process().orElseThrow().pid();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) >> 10;
            }
        }
        return -1;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double median(List<Double> values) {
        return Rounds.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    private static String human(long bytes) {
        return bytes < (1 << 20) ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
