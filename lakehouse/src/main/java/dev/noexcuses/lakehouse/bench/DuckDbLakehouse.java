package dev.noexcuses.lakehouse.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The curate job's transformations written as DuckDB SQL, over the same Parquet data files as the
 * Spark job reads (their list taken from Iceberg): one copy per event_id, typed columns from the
 * JSON data, sessions (a gap of 30 minutes or more, or midnight), identity stitching, the catalogue
 * join, and the result written as Parquet partitioned by event_date.
 */
final class DuckDbCurate {
    private DuckDbCurate() {}

    /** Rows written. */
    static long run(List<String> dataFiles, Path catalogueCsv, Path out, int threads, long memoryLimitBytes)
            throws SQLException {
        String files = dataFiles.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(Collectors.joining(", "));
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            s.execute("SET threads = " + threads);
            s.execute("SET memory_limit = '" + (memoryLimitBytes / (1024 * 1024)) + "MB'");
            s.execute("SET preserve_insertion_order = false");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("CREATE VIEW raw AS SELECT * FROM read_parquet([" + files + "])");
            s.execute("CREATE TABLE catalogue AS SELECT product_id, name, category FROM read_csv('" + catalogueCsv + "', header = true)");
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
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM read_parquet('" + out.resolve("events") + "/**/*.parquet')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
