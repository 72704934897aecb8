package dev.noexcuses.lakehouse.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The curate, sessions and model jobs' transformations written as DuckDB SQL, over the same Parquet
 * data files as the Spark jobs read (their list taken from Iceberg). Curate: one copy per event_id,
 * typed columns from the JSON data, sessions (a gap of 30 minutes or more, or midnight), identity
 * stitching, the catalogue join. Sessions and model: {@code sessions}, the facts, the dimensions and
 * {@code daily_kpis}. Like the Spark jobs, each step reads what the one before wrote: every table is
 * written as Parquet under {@code out} (day-partitioned tables partitioned by event_date).
 */
final class DuckDbLakehouse {
    private DuckDbLakehouse() {}

    /** Seconds each step took and rows each table has. */
    record Result(Map<String, Double> seconds, Map<String, Long> rows) {}

    static Result run(List<String> dataFiles, Path catalogueCsv, Path out, int threads, long memoryLimitBytes)
            throws SQLException {
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        String files = dataFiles.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(", "));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = " + threads);
            s.execute("SET memory_limit = '" + (memoryLimitBytes / (1024 * 1024)) + "MB'");
            s.execute("SET preserve_insertion_order = false");
            // Spill to disk beside the output rather than fail, as Spark spills to its local dirs: at 10 million
            // events the windows over the raw table need more than the memory both engines are given.
            s.execute("SET temp_directory = '" + out.resolve("duckdb-spill").toString().replace("'", "''") + "'");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("CREATE VIEW raw AS SELECT * FROM read_parquet([" + files + "])");
            s.execute("CREATE TABLE catalogue AS SELECT product_id, name, category, price AS list_price, currency"
                    + " FROM read_csv('" + catalogueCsv + "', header = true)");
            long t0 = System.nanoTime();
            s.execute("""
                    CREATE TEMP TABLE sessionized AS
                    WITH unique_in_days AS (
                      SELECT * FROM raw
                      QUALIFY row_number() OVER (PARTITION BY event_id
                          ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) = 1),
                    parsed AS (
                      SELECT event_id, coalesce(schema_name, regexp_extract(schema, '^[^/]+/([^/]+)/', 1)) AS event_type,
                             schema, event_time, CAST(event_time AS DATE) AS event_date, received_at, source, user_id,
                             anonymous_id, coalesce(anonymous_id, user_id) AS visitor_id,
                             json_extract_string(data, ['$.url', '$.referrer', '$.title', '$.page_type', '$.product_id',
                               '$.quantity', '$.price', '$.query', '$.results', '$.cart_id', '$.items', '$.value',
                               '$.currency', '$.order_id', '$.payment_method', '$.method', '$.success',
                               '$.marketing_opt_in', '$.element_id', '$.page_url']) AS d,
                             ua, geo, score
                      FROM unique_in_days),
                    gaps AS (
                      SELECT p.*, CASE WHEN lag(event_time) OVER w IS NULL
                                       OR epoch(event_time) - epoch(lag(event_time) OVER w) >= 1800 THEN 1 ELSE 0 END
                                  AS starts_session
                      FROM parsed p
                      WINDOW w AS (PARTITION BY visitor_id, event_date ORDER BY event_time, event_id)),
                    numbered AS (
                      SELECT g.*, sum(starts_session) OVER (PARTITION BY visitor_id, event_date ORDER BY event_time, event_id
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no
                      FROM gaps g)
                    SELECT n.*, min(event_time) OVER s AS session_start,
                           arg_min(user_id, CASE WHEN user_id IS NOT NULL THEN event_time END) OVER s AS session_user_id
                    FROM numbered n
                    WINDOW s AS (PARTITION BY visitor_id, event_date, session_no)
                    """);
            s.execute("""
                    CREATE TEMP TABLE links AS
                    SELECT anonymous_id, arg_min(session_user_id, session_start) AS user_id, min(session_start) AS linked_at,
                           min(event_date) AS linked_date
                    FROM sessionized WHERE anonymous_id IS NOT NULL AND session_user_id IS NOT NULL
                    GROUP BY anonymous_id, event_date
                    """);
            s.execute("""
                    CREATE TEMP TABLE identity AS
                    SELECT anonymous_id, arg_min(user_id, linked_at) AS user_id, min(linked_at) AS linked_at
                    FROM links GROUP BY anonymous_id
                    """);
            String items = "CAST(json(s.d[11]) AS STRUCT(product_id VARCHAR, quantity INTEGER, price DOUBLE)[])";
            s.execute("COPY (SELECT s.event_id, s.event_type, s.schema, s.event_time, s.event_date, s.received_at, s.source,"
                    + " s.user_id, s.anonymous_id,"
                    + " coalesce(s.user_id, s.session_user_id, CASE WHEN s.session_start >= i.linked_at THEN i.user_id END,"
                    + "   s.anonymous_id) AS user_key,"
                    + " s.user_id IS NULL AND coalesce(s.session_user_id,"
                    + "   CASE WHEN s.session_start >= i.linked_at THEN i.user_id END) IS NOT NULL AS stitched,"
                    + " md5(concat_ws('|', s.visitor_id, CAST(s.event_date AS VARCHAR), CAST(s.session_no AS VARCHAR))) AS session_id,"
                    + " coalesce(s.d[1], s.d[20]) AS page_url, s.d[4] AS page_type, s.d[2] AS referrer, s.d[3] AS page_title,"
                    + " s.d[5] AS product_id, c.name AS product_name, c.category AS product_category,"
                    + " TRY_CAST(s.d[7] AS DOUBLE) AS price, TRY_CAST(s.d[6] AS INTEGER) AS quantity,"
                    + " s.d[8] AS search_query, TRY_CAST(s.d[9] AS INTEGER) AS search_results, s.d[10] AS cart_id,"
                    + " s.d[14] AS order_id, TRY_CAST(s.d[12] AS DOUBLE) AS order_value, s.d[13] AS currency,"
                    + " CASE WHEN s.event_type = 'checkout' THEN TRY_CAST(s.d[11] AS INTEGER)"
                    + "      WHEN s.event_type = 'purchase' THEN len(" + items + ") END AS items_count,"
                    + " CASE WHEN s.event_type = 'purchase' THEN " + items + " END AS order_items,"
                    + " s.d[15] AS payment_method, s.d[16] AS auth_method, TRY_CAST(s.d[17] AS BOOLEAN) AS login_success,"
                    + " TRY_CAST(s.d[18] AS BOOLEAN) AS marketing_opt_in, s.d[19] AS element_id,"
                    + " s.ua.device AS device, s.ua.browser AS browser, s.ua.os AS os,"
                    + " s.geo.country_code AS country_code, s.geo.country AS country, s.geo.city AS city,"
                    + " s.score.model AS score_model, s.score.value AS score"
                    + " FROM sessionized s LEFT JOIN identity i ON s.anonymous_id = i.anonymous_id"
                    + " LEFT JOIN catalogue c ON s.d[5] = c.product_id)"
                    + " TO '" + out.resolve("events") + "' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)");
            s.execute("COPY links TO '" + out.resolve("identity_map.parquet") + "' (FORMAT parquet)");
            seconds.put("curate", (System.nanoTime() - t0) / 1e9);

            t0 = System.nanoTime();
            s.execute("CREATE VIEW events AS SELECT * FROM read_parquet('" + out.resolve("events") + "/**/*.parquet',"
                    + " hive_partitioning = true, hive_types = {'event_date': DATE})");
            s.execute("""
                    COPY (SELECT session_id, arg_max(user_key, event_time) AS user_key, any_value(anonymous_id) AS anonymous_id,
                                 event_date, min(event_time) AS session_start, max(event_time) AS session_end,
                                 CAST(epoch(max(event_time)) - epoch(min(event_time)) AS BIGINT) AS duration_seconds,
                                 count(*) AS events, count_if(event_type = 'page_view') AS page_views,
                                 arg_min(CASE WHEN event_type = 'page_view' THEN page_url END,
                                         CASE WHEN event_type = 'page_view' THEN event_time END) AS landing_page,
                                 arg_min(device, event_time) AS device, arg_min(country_code, event_time) AS country_code,
                                 count_if(event_type = 'purchase') > 0 AS converted,
                                 count_if(event_type = 'purchase') AS orders,
                                 coalesce(sum(CASE WHEN event_type = 'purchase' THEN order_value END), 0) AS revenue
                          FROM events GROUP BY session_id, event_date)
                    TO '%s' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)
                    """.formatted(out.resolve("sessions")));
            seconds.put("sessions", (System.nanoTime() - t0) / 1e9);

            t0 = System.nanoTime();
            s.execute("""
                    COPY (SELECT order_id, event_id, user_key, session_id, event_time AS order_time, event_date, order_value,
                                 currency, CAST(len(order_items) AS INT) AS lines,
                                 list_sum([coalesce(i.quantity, 0) FOR i IN order_items]) AS units,
                                 payment_method, device, country_code
                          FROM events WHERE event_type = 'purchase' AND order_id IS NOT NULL)
                    TO '%s' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)
                    """.formatted(out.resolve("fact_orders")));
            s.execute("""
                    COPY (WITH x AS (SELECT order_id, user_key, event_date, unnest(order_items) AS item,
                                            generate_subscripts(order_items, 1) AS line_number
                                     FROM events WHERE event_type = 'purchase' AND order_id IS NOT NULL)
                          SELECT x.order_id, CAST(x.line_number AS INT) AS line_number, x.item.product_id AS product_id,
                                 c.category AS product_category, x.item.quantity AS quantity, x.item.price AS unit_price,
                                 x.item.quantity * x.item.price AS line_value, x.user_key, x.event_date
                          FROM x LEFT JOIN catalogue c ON x.item.product_id = c.product_id)
                    TO '%s' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)
                    """.formatted(out.resolve("fact_order_items")));
            s.execute("""
                    COPY (SELECT event_id, event_time, event_date, user_key, session_id, page_url, page_type, referrer,
                                 device, country_code
                          FROM events WHERE event_type = 'page_view')
                    TO '%s' (FORMAT parquet, PARTITION_BY (event_date), COMPRESSION zstd)
                    """.formatted(out.resolve("fact_page_views")));
            s.execute("COPY catalogue TO '" + out.resolve("dim_products.parquet") + "' (FORMAT parquet)");
            s.execute("""
                    COPY (SELECT user_key, max(user_id) AS user_id, max(user_id) IS NOT NULL AS known,
                                 min(event_time) AS first_seen_at, min(event_date) AS first_seen_date,
                                 max(event_date) AS last_seen_date, count(DISTINCT event_date) AS active_days,
                                 count(*) AS events, count(DISTINCT session_id) AS sessions,
                                 count_if(event_type = 'purchase') AS orders,
                                 coalesce(sum(CASE WHEN event_type = 'purchase' THEN order_value END), 0) AS revenue,
                                 arg_max(country_code, CASE WHEN country_code IS NOT NULL THEN event_time END) AS country_code,
                                 arg_max(device, CASE WHEN device IS NOT NULL THEN event_time END) AS device
                          FROM events GROUP BY user_key)
                    TO '%s' (FORMAT parquet, COMPRESSION zstd)
                    """.formatted(out.resolve("dim_users.parquet")));
            s.execute("""
                    COPY (SELECT CAST(strftime(d, '%%Y%%m%%d') AS INT) AS date_key, CAST(d AS DATE) AS date, year(d) AS year,
                                 quarter(d) AS quarter, month(d) AS month, day(d) AS day_of_month,
                                 isodow(d) AS day_of_week, dayname(d) AS day_name, weekofyear(d) AS iso_week,
                                 isodow(d) >= 6 AS weekend
                          FROM (SELECT unnest(generate_series(CAST(min(event_date) AS TIMESTAMP),
                                                              CAST(max(event_date) AS TIMESTAMP), INTERVAL 1 DAY)) AS d
                                FROM events))
                    TO '%s' (FORMAT parquet)
                    """.formatted(out.resolve("dim_date.parquet")));
            s.execute("""
                    COPY (WITH days AS (SELECT DISTINCT event_date FROM events),
                          ev AS (SELECT event_date, count(*) AS events, count(DISTINCT user_key) AS active_users
                                 FROM events GROUP BY event_date),
                          nu AS (SELECT first_seen_date AS event_date, count(*) AS new_users
                                 FROM read_parquet('%2$s') GROUP BY first_seen_date),
                          se AS (SELECT event_date, count(*) AS sessions, count_if(converted) AS converted_sessions
                                 FROM read_parquet('%3$s/**/*.parquet', hive_partitioning = true,
                                                   hive_types = {'event_date': DATE}) GROUP BY event_date),
                          o AS (SELECT event_date, count(*) AS orders, sum(order_value) AS revenue
                                FROM read_parquet('%4$s/**/*.parquet', hive_partitioning = true,
                                                  hive_types = {'event_date': DATE}) GROUP BY event_date),
                          rcv AS (SELECT CAST(received_at AS DATE) AS event_date, count(*) AS received_events
                                  FROM raw GROUP BY 1)
                          SELECT d.event_date, coalesce(ev.events, 0) AS events, coalesce(ev.active_users, 0) AS active_users,
                                 coalesce(nu.new_users, 0) AS new_users, coalesce(se.sessions, 0) AS sessions,
                                 coalesce(se.converted_sessions, 0) AS converted_sessions,
                                 CASE WHEN coalesce(se.sessions, 0) = 0 THEN 0.0
                                      ELSE se.converted_sessions / se.sessions END AS conversion_rate,
                                 coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0.0) AS revenue,
                                 CASE WHEN coalesce(o.orders, 0) = 0 THEN 0.0 ELSE o.revenue / o.orders END AS average_order_value,
                                 coalesce(rcv.received_events, 0) AS received_events, 0 AS failed_events,
                                 0.0 AS failed_event_share
                          FROM days d
                          LEFT JOIN ev ON ev.event_date = d.event_date
                          LEFT JOIN nu ON nu.event_date = d.event_date
                          LEFT JOIN se ON se.event_date = d.event_date
                          LEFT JOIN o ON o.event_date = d.event_date
                          LEFT JOIN rcv ON rcv.event_date = d.event_date)
                    TO '%1$s' (FORMAT parquet)
                    """.formatted(out.resolve("daily_kpis.parquet"), out.resolve("dim_users.parquet"),
                    out.resolve("sessions"), out.resolve("fact_orders")));
            seconds.put("model", (System.nanoTime() - t0) / 1e9);

            for (String table : List.of("events", "sessions", "fact_orders", "fact_order_items", "fact_page_views")) {
                rows.put(table, count(s, "'" + out.resolve(table) + "/**/*.parquet'"));
            }
            for (String table : List.of("dim_users", "dim_products", "dim_date", "daily_kpis")) {
                rows.put(table, count(s, "'" + out.resolve(table + ".parquet") + "'"));
            }
            return new Result(seconds, rows);
        }
    }

    private static long count(Statement s, String files) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM read_parquet(" + files + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
