package dev.noexcuses.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.infra.trino.TrinoAccess;
import dev.noexcuses.lakehouse.LakeTestBed.RawEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded Trino reads the tables the lakehouse jobs build, through the same JDBC catalog and S3
 * bucket, and counts what Spark counts. Trino starts in the background while Spark builds a day, in
 * the same test JVM as the other lakehouse tests (one Spark session, one Trino).
 */
class TrinoOverCuratedTablesTest {
    private static final LocalDate DAY = LocalDate.parse("2026-04-14");
    private static final List<String> SCHEMAS = List.of("raw", "curated", "quality");

    private static LakeTestBed lake;
    private static Connection trino;
    private static Statement sql;

    @BeforeAll
    static void buildADayWhileTrinoStarts() throws Exception {
        lake = LakeTestBed.get();
        LocalInfra infra = SharedLocalInfra.get("postgres", "s3");
        CompletableFuture<InfraComponent> starting = infra.startInBackground("trino");

        lake.load(shopDay());
        lake.loadFailed(2, DAY.atTime(12, 0).toInstant(java.time.ZoneOffset.UTC));
        JobRunner.Report report = lake.run("all", DAY);
        assertThat(report.exitCode()).as(lake.output()).isZero();

        // A cold start on a loaded machine takes minutes; the component gives up after local-infra.trino.start-timeout.
        starting.get(15, TimeUnit.MINUTES);
        TrinoAccess access = TrinoAccess.from(infra.serviceConfig(PlatformConfig.defaults(Map.of())));
        trino = DriverManager.getConnection(access.jdbcUrl(), access.jdbcProperties());
        sql = trino.createStatement();
    }

    @AfterAll
    static void disconnect() throws SQLException {
        if (trino != null) {
            trino.close();
        }
    }

    private static String page(String type) {
        return "{\"url\":\"https://shop.example.com/" + type + "\",\"page_type\":\"" + type + "\"}";
    }

    /**
     * Two visitors on 2026-04-14: a-90 views, adds to cart, logs in as u-90 and buys two lines (one
     * session); a-91 views twice, an hour apart (two sessions), and one of those events arrived twice.
     */
    private static List<RawEvent> shopDay() {
        return List.of(
                new RawEvent("t-1", "page_view", "2026-04-14T08:00:00Z", null, "a-90", page("home")),
                new RawEvent("t-2", "product_view", "2026-04-14T08:01:00Z", null, "a-90", "{\"product_id\":\"P0001\"}"),
                new RawEvent("t-3", "add_to_cart", "2026-04-14T08:02:00Z", null, "a-90",
                        "{\"product_id\":\"P0001\",\"quantity\":1,\"price\":98.86}"),
                new RawEvent("t-4", "login", "2026-04-14T08:03:00Z", "u-90", "a-90", "{\"method\":\"password\",\"success\":true}"),
                new RawEvent("t-5", "checkout", "2026-04-14T08:04:00Z", "u-90", "a-90",
                        "{\"cart_id\":\"c-90\",\"items\":2,\"value\":119.86,\"currency\":\"EUR\"}"),
                new RawEvent("t-6", "purchase", "2026-04-14T08:05:00Z", "u-90", "a-90",
                        "{\"order_id\":\"o-90\",\"value\":119.86,\"currency\":\"EUR\",\"payment_method\":\"card\","
                                + "\"items\":[{\"product_id\":\"P0001\",\"quantity\":1,\"price\":98.86},"
                                + "{\"product_id\":\"P0002\",\"quantity\":1,\"price\":21.0}]}"),
                new RawEvent("t-7", "page_view", "2026-04-14T09:00:00Z", null, "a-91", page("home")),
                new RawEvent("t-7", "page_view", "2026-04-14T09:00:00Z", null, "a-91", page("home"))
                        .receivedAt("2026-04-14T09:01:00Z"),
                new RawEvent("t-8", "page_view", "2026-04-14T10:00:00Z", null, "a-91", page("search")));
    }

    @Test
    void theRawCuratedAndQualitySchemasHoldTheTablesSparkSees() throws Exception {
        for (String schema : SCHEMAS) {
            List<String> sparkTables = sparkTables(schema);
            List<String> trinoTables = column("SELECT table_name FROM lake.information_schema.tables "
                    + "WHERE table_schema = '" + schema + "' ORDER BY table_name");
            assertThat(trinoTables).as("tables of schema %s", schema).isEqualTo(sparkTables);
        }
        assertThat(column("SHOW SCHEMAS FROM lake")).containsAll(SCHEMAS);
        assertThat(sparkTables("curated")).contains("events",
                "sessions", "fact_orders", "fact_order_items", "fact_page_views", "dim_users", "dim_products",
                "dim_date", "daily_kpis", "identity_map");
    }

    @Test
    void everyTableCountsTheSameRowsInTrinoAsInSpark() throws Exception {
        Map<String, Long> spark = new TreeMap<>();
        Map<String, Long> trinoCounts = new TreeMap<>();
        for (String schema : SCHEMAS) {
            for (String table : sparkTables(schema)) {
                String name = schema + "." + table;
                spark.put(name, lake.rows("SELECT count(*) FROM " + name).get(0).getLong(0));
                trinoCounts.put(name, single("SELECT count(*) FROM " + name));
            }
        }
        assertThat(trinoCounts).isEqualTo(spark);
        // And per day: this test's day in every day-partitioned table.
        for (String table : List.of("curated.events", "curated.sessions", "curated.fact_orders", "curated.fact_order_items",
                "curated.fact_page_views", "curated.daily_kpis")) {
            long sparkDay = lake.rows("SELECT count(*) FROM " + table + " WHERE event_date = DATE '" + DAY + "'")
                    .get(0).getLong(0);
            assertThat(single("SELECT count(*) FROM " + table + " WHERE event_date = DATE '" + DAY + "'"))
                    .as(table).isEqualTo(sparkDay).isPositive();
        }
    }

    @Test
    void theDaysKpisFunnelAndRevenuePerProductReadTheSameInTrino() throws Exception {
        String kpis = "SELECT events, active_users, new_users, sessions, converted_sessions, orders, revenue "
                + "FROM curated.daily_kpis WHERE event_date = DATE '" + DAY + "'";
        Row spark = lake.rows(kpis).get(0);
        List<String> row = rows(kpis);
        assertThat(row).containsExactly("8|2|2|3|1|1|119.86");
        assertThat(row).containsExactly(join(spark));

        // The funnel of the day, by session, as in docs/lakehouse.md.
        assertThat(rows("""
                SELECT count(*), count_if(product_views > 0), count_if(carts > 0), count_if(checkouts > 0),
                       count_if(purchases > 0)
                FROM (SELECT session_id,
                             count_if(event_type = 'product_view') AS product_views,
                             count_if(event_type = 'add_to_cart') AS carts,
                             count_if(event_type = 'checkout') AS checkouts,
                             count_if(event_type = 'purchase') AS purchases
                      FROM curated.events WHERE event_date = DATE '2026-04-14' GROUP BY session_id)
                """)).containsExactly("3|1|1|1|1");

        // Revenue per product, through the product dimension; the login stitched a-90's earlier events to u-90.
        assertThat(rows("""
                SELECT i.product_id, p.category, sum(i.quantity), round(sum(i.line_value), 2)
                FROM curated.fact_order_items i JOIN curated.dim_products p ON p.product_id = i.product_id
                WHERE i.event_date = DATE '2026-04-14' GROUP BY 1, 2 ORDER BY 1
                """)).containsExactly("P0001|shoes|1|98.86", "P0002|shoes|1|21.0");
        assertThat(rows("SELECT user_key, count(*) FROM curated.events WHERE event_date = DATE '2026-04-14' "
                + "AND anonymous_id = 'a-90' GROUP BY 1")).containsExactly("u-90|6");
    }

    /** The Iceberg tables of a namespace as Spark's catalog lists them (without the session's temporary views). */
    private static List<String> sparkTables(String schema) {
        return lake.rows("SHOW TABLES IN " + schema).stream().filter(r -> !r.getBoolean(2)).map(r -> r.getString(1))
                .sorted().toList();
    }

    @Test
    void theExampleQueriesOfTheDocsRunOnTheTablesTheJobsBuilt() throws Exception {
        List<String> trinoQueries = sqlBlocks("querying.md", "## Example queries");
        assertThat(trinoQueries).hasSizeGreaterThan(10);
        for (String query : trinoQueries) {
            try (ResultSet rs = sql.executeQuery(query)) {
                while (rs.next()) {
                    rs.getObject(1);
                }
            } catch (SQLException e) {
                throw new AssertionError("docs/querying.md: " + e.getMessage() + " in\n" + query, e);
            }
        }
        List<String> sparkQueries = sqlBlocks("lakehouse.md", "## Queries");
        assertThat(sparkQueries).hasSizeGreaterThanOrEqualTo(4);
        sparkQueries.forEach(lake::rows);

        // The retention query on this test's week: both visitors first seen in it, neither back since.
        assertThat(rows("""
                WITH cohort AS (SELECT user_key, date_trunc('week', first_seen_date) AS cohort_week FROM curated.dim_users),
                     activity AS (SELECT DISTINCT user_key, date_trunc('week', event_date) AS active_week FROM curated.events)
                SELECT count(DISTINCT c.user_key),
                       count(DISTINCT CASE WHEN a.active_week = c.cohort_week + INTERVAL '7' DAY THEN a.user_key END)
                FROM cohort c LEFT JOIN activity a ON a.user_key = c.user_key
                WHERE c.cohort_week = DATE '2026-04-13'
                """)).containsExactly("2|0");
    }

    /** The statements of the {@code sql} code blocks in a section of a page of docs/, without their final semicolons. */
    private static List<String> sqlBlocks(String page, String section) throws java.io.IOException {
        String text = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", page));
        int start = text.indexOf("\n" + section + "\n");
        assertThat(start).as("%s in docs/%s", section, page).isPositive();
        int end = text.indexOf("\n## ", start + section.length() + 2);
        String part = text.substring(start, end < 0 ? text.length() : end);
        List<String> statements = new ArrayList<>();
        java.util.regex.Matcher block = java.util.regex.Pattern.compile("```sql\n(.*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(part);
        while (block.find()) {
            for (String statement : block.group(1).split(";\\s*\n")) {
                if (!statement.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("--"))) {
                    statements.add(statement.strip().replaceAll(";$", ""));
                }
            }
        }
        return statements;
    }

    private static String join(Row r) {
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < r.length(); i++) {
            cells.add(String.valueOf(r.get(i)));
        }
        return String.join("|", cells);
    }

    private static long single(String query) throws SQLException {
        try (ResultSet rs = sql.executeQuery(query)) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    private static List<String> column(String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = sql.executeQuery(query)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** Each row as its cells joined by {@code |}. */
    private static List<String> rows(String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = sql.executeQuery(query)) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                List<String> cells = new ArrayList<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    cells.add(rs.getString(i));
                }
                rows.add(String.join("|", cells));
            }
        }
        return rows;
    }
}
