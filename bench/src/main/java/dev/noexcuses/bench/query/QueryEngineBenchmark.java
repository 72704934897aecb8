package dev.noexcuses.bench.query;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Batch SQL on the lake: the daily KPI and funnel queries on the embedded Trino against DuckDB (in-process,
 * JDBC) on the same Parquet files, in the same run, alternating A/B; plus Trino's start time and memory.
 * The rows are written into {@code raw.enriched_events} by the batch loader's own writer and committer;
 * DuckDB reads the table's data files (the list comes from Iceberg's scan planning) where the embedded S3
 * server keeps them, Trino through its Iceberg connector over S3. Both results are compared row by row.
 *
 * <p>Run: {@code ./bench/run trino [rows] [runs]}.
 */
public final class QueryEngineBenchmark {
    private static final Random RANDOM = new Random(7);
    private static final int DAYS = 7;
    private static final int USERS = 40_000;

    /** Per day: events, active users, orders, revenue, buyers' share of active users, average order value. */
    static final String DAILY_KPIS = """
            SELECT CAST(received_at AS DATE) AS day,
                   count(*) AS events,
                   count(DISTINCT coalesce(user_id, anonymous_id)) AS active_users,
                   count_if(schema_name = 'purchase') AS orders,
                   round(sum(CASE WHEN schema_name = 'purchase'
                                  THEN CAST(json_extract_scalar(data, '$.value') AS DOUBLE) END), 2) AS revenue,
                   round(CAST(count(DISTINCT CASE WHEN schema_name = 'purchase' THEN coalesce(user_id, anonymous_id) END)
                         AS DOUBLE) / count(DISTINCT coalesce(user_id, anonymous_id)), 6) AS conversion_rate,
                   round(sum(CASE WHEN schema_name = 'purchase'
                                  THEN CAST(json_extract_scalar(data, '$.value') AS DOUBLE) END)
                         / count_if(schema_name = 'purchase'), 4) AS average_order_value
            FROM %s
            GROUP BY 1
            ORDER BY 1""";

    /** Per day: users who viewed, added to cart, checked out, bought; and who did all four. */
    static final String FUNNEL = """
            WITH steps AS (
                SELECT CAST(received_at AS DATE) AS day, coalesce(user_id, anonymous_id) AS user_key,
                       max(CASE WHEN schema_name = 'page_view' THEN 1 ELSE 0 END) AS viewed,
                       max(CASE WHEN schema_name = 'add_to_cart' THEN 1 ELSE 0 END) AS added,
                       max(CASE WHEN schema_name = 'checkout' THEN 1 ELSE 0 END) AS checked_out,
                       max(CASE WHEN schema_name = 'purchase' THEN 1 ELSE 0 END) AS bought
                FROM %s
                GROUP BY 1, 2)
            SELECT day, sum(viewed) AS viewed, sum(viewed * added) AS added,
                   sum(viewed * added * checked_out) AS checked_out,
                   sum(viewed * added * checked_out * bought) AS bought
            FROM steps
            GROUP BY day
            ORDER BY day""";

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Config base = PlatformConfig.defaults(Map.of());
        System.out.printf("Query benchmark: %,d events over %d days, %d measured runs per engine and query; %d cores%n",
                rows, DAYS, runs, Runtime.getRuntime().availableProcessors());
        try (LocalInfra infra = LocalInfra.forTests(base).start("postgres", "s3")) {
            Config services = infra.serviceConfig(base);
            List<Path> files = writeRawEvents(services, infra.dataDir(), rows);

            long t0 = System.nanoTime();
            infra.start("trino");
            double trinoStartSeconds = (System.nanoTime() - t0) / 1e9;
            EmbeddedTrino trino = (EmbeddedTrino) infra.component("trino").orElseThrow();
            TrinoAccess access = trino.access();
            System.out.printf("Trino started in %.1f s; RSS %d MiB before the first query%n", trinoStartSeconds,
                    rssMiB(trino) >> 0);

            try (Connection t = DriverManager.getConnection(access.jdbcUrl(), access.jdbcProperties());
                 Connection d = DriverManager.getConnection("jdbc:duckdb:")) {
                try (Statement s = d.createStatement()) {
                    s.execute("SET TimeZone = 'UTC'");
                    // The same SQL on both engines: DuckDB's name for Trino's JSON function.
                    s.execute("CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)");
                    StringBuilder list = new StringBuilder();
                    files.forEach(f -> list.append(list.length() == 0 ? "" : ", ").append('\'').append(f).append('\''));
                    s.execute("CREATE VIEW enriched_events AS SELECT * FROM read_parquet([" + list + "])");
                }
                Map<String, String[]> queries = Map.of(
                        "daily KPIs", new String[] {DAILY_KPIS.formatted("raw.enriched_events"),
                                DAILY_KPIS.formatted("enriched_events")},
                        "funnel", new String[] {FUNNEL.formatted("raw.enriched_events"), FUNNEL.formatted("enriched_events")});
                Map<String, List<Double>> trinoTimes = new HashMap<>();
                Map<String, List<Double>> duckTimes = new HashMap<>();
                for (String name : List.of("daily KPIs", "funnel")) {
                    String[] sql = queries.get(name);
                    // Warm-up, and the check that both engines give the same answer.
                    List<String> fromTrino = rows(t, sql[0]);
                    List<String> fromDuck = rows(d, sql[1]);
                    if (!sameAnswer(fromTrino, fromDuck)) {
                        throw new IllegalStateException(name + ": the engines disagree\nTrino:  " + fromTrino
                                + "\nDuckDB: " + fromDuck);
                    }
                    System.out.printf("%s: %d rows, equal on both engines; first: %s%n", name, fromTrino.size(),
                            fromTrino.get(0));
                    trinoTimes.put(name, new ArrayList<>());
                    duckTimes.put(name, new ArrayList<>());
                }
                // A/B/A/B: each run times every query on Trino, then on DuckDB.
                for (int run = 0; run < runs; run++) {
                    for (String name : List.of("daily KPIs", "funnel")) {
                        trinoTimes.get(name).add(timed(t, queries.get(name)[0]));
                        duckTimes.get(name).add(timed(d, queries.get(name)[1]));
                    }
                }
                System.out.printf("Trino RSS after the runs: %d MiB (heap -Xmx %s)%n", rssMiB(trino),
                        trino.connectionDetails().get("heap"));
                System.out.println();
                System.out.println("| query | Trino median (min–max), s | DuckDB median (min–max), s | Trino / DuckDB |");
                System.out.println("|---|---:|---:|---:|");
                for (String name : List.of("daily KPIs", "funnel")) {
                    List<Double> tt = trinoTimes.get(name);
                    List<Double> dt = duckTimes.get(name);
                    System.out.printf(Locale.ROOT, "| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.1f |%n", name,
                            median(tt), min(tt), max(tt), median(dt), min(dt), max(dt), median(tt) / median(dt));
                }
                System.out.printf(Locale.ROOT, "%nTrino start %.1f s; data %,d rows in %d Parquet files, %s%n",
                        trinoStartSeconds, rows, files.size(), human(files.stream().mapToLong(QueryEngineBenchmark::size).sum()));
            }
        }
    }

    /** Writes the events into raw.enriched_events with the batch loader's writer; returns the table's files on disk. */
    private static List<Path> writeRawEvents(Config services, Path dataDir, int rows) throws Exception {
        long t0 = System.nanoTime();
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(services))) {
            Table table = EventTables.ensure(lake.catalog(), TableIdentifier.parse("raw.enriched_events"),
                    EventTables.ENRICHED_EVENTS, tableProperties(services));
            RowDecoder decoder = new RowDecoder(table.schema(), EventTables.FAILED_EVENTS,
                    dev.noexcuses.common.privacy.Pseudonymiser.from(services));
            OffsetDateTime loadedAt = OffsetDateTime.now(ZoneOffset.UTC);
            PartitionedFileWriter writer = new PartitionedFileWriter(table,
                    OutputFileFactory.builderFor(table, 0, 0).format(FileFormat.PARQUET).build(), 128L << 20);
            Instant firstDay = Instant.parse("2026-11-01T00:00:00Z");
            for (int i = 0; i < rows; i++) {
                byte[] json = Json.toBytes(event(i, firstDay));
                writer.write(decoder.enriched(json, new RowDecoder.Origin("bench", 0, i, loadedAt)).record());
            }
            List<DataFile> written = writer.complete();
            new IcebergCommitter(table, "bench", "bench", 5, Duration.ofMillis(50)).commit(written, Map.of(),
                    Map.of(new org.apache.kafka.common.TopicPartition("bench", 0), (long) rows), () -> { });
            table.refresh();
            // The file list from Iceberg's scan planning; s3proxy keeps each object as a file <s3>/<bucket>/<key>.
            List<Path> files = new ArrayList<>();
            try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
                for (FileScanTask task : tasks) {
                    String location = task.file().location();
                    String key = location.substring(location.indexOf("://") + 3);
                    Path file = dataDir.resolve("s3").resolve(key);
                    if (!Files.isRegularFile(file)) {
                        throw new IllegalStateException("Data file " + location + " not found at " + file);
                    }
                    files.add(file);
                }
            }
            System.out.printf("Wrote %,d rows in %d data files in %.1f s%n", rows, files.size(),
                    (System.nanoTime() - t0) / 1e9);
            return files;
        }
    }

    private static Map<String, String> tableProperties(Config services) {
        Map<String, String> props = new HashMap<>();
        services.getConfig("batch-loader.table-properties").entrySet().forEach(e ->
                props.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
        return props;
    }

    /** A web-shop day: most events are page views, fewer users go on to cart, checkout and purchase. */
    private static EventEnvelope event(int n, Instant firstDay) {
        double r = RANDOM.nextDouble();
        String type = r < 0.55 ? "page_view" : r < 0.72 ? "product_view" : r < 0.84 ? "add_to_cart"
                : r < 0.92 ? "checkout" : r < 0.97 ? "purchase" : "search";
        Instant received = firstDay.plus(RANDOM.nextInt(DAYS), ChronoUnit.DAYS).plusMillis(RANDOM.nextInt(86_400_000));
        ObjectNode data = Json.mapper().createObjectNode();
        switch (type) {
            case "page_view" -> data.put("url", "https://shop.example.com/p/" + RANDOM.nextInt(500)).put("page_type", "product");
            case "purchase", "checkout" -> data.put("order_id", "o-" + n).put("value", Math.round(RANDOM.nextDouble() * 30_000) / 100.0)
                    .put("currency", "EUR");
            case "search" -> data.put("query", "shoes " + RANDOM.nextInt(50));
            default -> data.put("product_id", "P" + RANDOM.nextInt(500)).put("quantity", 1 + RANDOM.nextInt(3));
        }
        ObjectNode enrichments = Json.mapper().createObjectNode();
        enrichments.putObject("user_agent").put("browser", n % 3 == 0 ? "Chrome" : "Firefox").put("os", "Linux")
                .put("device", n % 4 == 0 ? "Mobile" : "Desktop");
        enrichments.putObject("geo").put("country_code", n % 5 == 0 ? "FR" : "DE");
        boolean known = RANDOM.nextInt(3) > 0;
        String user = "u-" + RANDOM.nextInt(USERS);
        return new EventEnvelope(UUID.randomUUID().toString(), "com.webshop/" + type + "/1-0-0",
                received.minusMillis(RANDOM.nextInt(2000)), "web-shop", known ? user : null, known ? null : "a-" + user,
                data, new CollectorMetadata(received, "collector-1", "r-" + n, "203.0.113." + n % 250, "Mozilla/5.0",
                        "web-shop", "rest"), enrichments);
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
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
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
