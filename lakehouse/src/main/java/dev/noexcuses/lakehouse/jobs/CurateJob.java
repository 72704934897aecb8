package dev.noexcuses.lakehouse.jobs;


import dev.noexcuses.lakehouse.Progress;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code curated.events}: the raw enriched events of the days, one row per {@code event_id} across
 * all days (the earliest received copy wins; an id already curated on another day is not taken
 * again), typed columns per event type, enrichments and catalogue details as columns, visits cut
 * into sessions (30 minutes without an event ends one; midnight UTC too), and the user key stitched:
 * a visitor's anonymous events in the session of a login and after it carry the user id learned
 * at that login ({@code curated.identity_map} keeps what was learned, for later days).
 */
public final class CurateJob implements DailyJob {
    static final String NAME = "curate";
    /** A gap of this many seconds or more between two events of a visitor starts a new session. */
    public static final long SESSION_GAP_SECONDS = 30 * 60;

    private static final String DATA_SCHEMA = "url STRING, referrer STRING, title STRING, page_type STRING, "
            + "product_id STRING, quantity INT, price DOUBLE, query STRING, results INT, cart_id STRING, "
            + "items STRING, value DOUBLE, currency STRING, order_id STRING, payment_method STRING, method STRING, "
            + "success BOOLEAN, marketing_opt_in BOOLEAN, element_id STRING, page_url STRING";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress) {
        String dayList = Days.literals(days);
        Instant started = Instant.now();
        ProductCatalogue.register(spark);

        Dataset<Row> raw = spark.sql("SELECT * FROM " + LakeTables.RAW_EVENTS + " WHERE "
                + Days.eventTimeBetween("event_time", days));
        raw.createOrReplaceTempView("raw_days");
        Map<LocalDate, Long> rowsIn = DayCounts.byDay(spark.sql(
                "SELECT to_date(event_time) AS d, count(*) FROM raw_days GROUP BY 1"));
        progress.stage(NAME, "read " + LakeTables.RAW_EVENTS, DayCounts.total(rowsIn), started);

        // One copy per event_id: the earliest received; ids curated on days outside this run stay there.
        spark.sql("""
                SELECT * FROM (
                  SELECT r.*, row_number() OVER (PARTITION BY event_id
                      ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) AS copy_no
                  FROM raw_days r) WHERE copy_no = 1
                """).createOrReplaceTempView("unique_in_days");
        spark.sql("SELECT u.* FROM unique_in_days u LEFT ANTI JOIN (SELECT event_id FROM " + LakeTables.EVENTS
                + " WHERE event_date NOT IN (" + dayList + ")) c ON u.event_id = c.event_id")
                .createOrReplaceTempView("deduplicated");

        spark.sql("""
                SELECT event_id, coalesce(schema_name, regexp_extract(schema, '^[^/]+/([^/]+)/', 1)) AS event_type,
                       schema, CAST(event_time AS TIMESTAMP) AS event_time, to_date(event_time) AS event_date,
                       CAST(received_at AS TIMESTAMP) AS received_at, source, user_id, anonymous_id,
                       coalesce(anonymous_id, user_id) AS visitor_id,
                       from_json(data, '%s') AS d, ua, geo, score
                FROM deduplicated
                """.formatted(DATA_SCHEMA)).createOrReplaceTempView("parsed");

        spark.sql("""
                SELECT p.*, CASE WHEN
                           lag(event_time) OVER w IS NULL
                           OR unix_seconds(event_time) - unix_seconds(lag(event_time) OVER w) >= %d
                         THEN 1 ELSE 0 END AS starts_session
                FROM parsed p
                WINDOW w AS (PARTITION BY visitor_id, event_date ORDER BY event_time, event_id)
                """.formatted(SESSION_GAP_SECONDS)).createOrReplaceTempView("gaps");
        spark.sql("""
                SELECT g.*, sum(starts_session) OVER (PARTITION BY visitor_id, event_date ORDER BY event_time, event_id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session_no
                FROM gaps g
                """).createOrReplaceTempView("numbered");
        Dataset<Row> sessionized = spark.sql("""
                SELECT n.*,
                       min(event_time) OVER s AS session_start,
                       min_by(user_id, CASE WHEN user_id IS NOT NULL THEN event_time END) OVER s AS session_user_id
                FROM numbered n
                WINDOW s AS (PARTITION BY visitor_id, event_date, session_no)
                """);
        sessionized.persist(StorageLevel.MEMORY_AND_DISK());
        sessionized.createOrReplaceTempView("sessionized");

        // What the days teach about who an anonymous visitor is: the first session with a user id.
        Dataset<Row> links = spark.sql("""
                SELECT anonymous_id, min_by(session_user_id, session_start) AS user_id, min(session_start) AS linked_at,
                       min(event_date) AS linked_date
                FROM sessionized WHERE anonymous_id IS NOT NULL AND session_user_id IS NOT NULL
                GROUP BY anonymous_id, event_date
                """);
        links.createOrReplaceTempView("new_links");
        spark.sql("SELECT anonymous_id, min_by(user_id, linked_at) AS user_id, min(linked_at) AS linked_at FROM ("
                + " SELECT anonymous_id, user_id, linked_at FROM " + LakeTables.IDENTITY_MAP
                + "   WHERE linked_date NOT IN (" + dayList + ")"
                + " UNION ALL SELECT anonymous_id, user_id, linked_at FROM new_links) GROUP BY anonymous_id")
                .createOrReplaceTempView("identity");

        Dataset<Row> curated = spark.sql("""
                SELECT s.event_id, s.event_type, s.schema, s.event_time, s.event_date, s.received_at, s.source,
                       s.user_id, s.anonymous_id,
                       coalesce(s.user_id, s.session_user_id, CASE WHEN s.session_start >= i.linked_at THEN i.user_id END,
                                s.anonymous_id) AS user_key,
                       s.user_id IS NULL AND coalesce(s.session_user_id,
                                CASE WHEN s.session_start >= i.linked_at THEN i.user_id END) IS NOT NULL AS stitched,
                       md5(concat_ws('|', s.visitor_id, CAST(s.event_date AS STRING), CAST(s.session_no AS STRING))) AS session_id,
                       coalesce(s.d.url, s.d.page_url) AS page_url, s.d.page_type AS page_type, s.d.referrer AS referrer,
                       s.d.title AS page_title,
                       s.d.product_id AS product_id, c.name AS product_name, c.category AS product_category,
                       s.d.price AS price, s.d.quantity AS quantity,
                       s.d.query AS search_query, s.d.results AS search_results, s.d.cart_id AS cart_id,
                       s.d.order_id AS order_id, s.d.value AS order_value, s.d.currency AS currency,
                       CASE WHEN s.event_type = 'checkout' THEN CAST(s.d.items AS INT)
                            WHEN s.event_type = 'purchase' THEN size(from_json(s.d.items,
                                 'ARRAY<STRUCT<product_id: STRING, quantity: INT, price: DOUBLE>>')) END AS items_count,
                       CASE WHEN s.event_type = 'purchase' THEN from_json(s.d.items,
                            'ARRAY<STRUCT<product_id: STRING, quantity: INT, price: DOUBLE>>') END AS order_items,
                       s.d.payment_method AS payment_method, s.d.method AS auth_method, s.d.success AS login_success,
                       s.d.marketing_opt_in AS marketing_opt_in, s.d.element_id AS element_id,
                       s.ua.device AS device, s.ua.browser AS browser, s.ua.os AS os,
                       s.geo.country_code AS country_code, s.geo.country AS country, s.geo.city AS city,
                       s.score.model AS score_model, s.score.value AS score
                FROM sessionized s
                LEFT JOIN identity i ON s.anonymous_id = i.anonymous_id
                LEFT JOIN catalogue c ON s.d.product_id = c.product_id
                """);

        Instant writing = Instant.now();
        Column inDays = LakeTables.inDays("event_date", days);
        LakeTables.replace(curated, LakeTables.EVENTS, inDays);
        LakeTables.replace(links, LakeTables.IDENTITY_MAP, LakeTables.inDays("linked_date", days));
        sessionized.unpersist();

        Map<LocalDate, Long> rowsOut = DayCounts.byDay(spark.sql("SELECT event_date, count(*) FROM "
                + LakeTables.EVENTS + " WHERE event_date IN (" + dayList + ") GROUP BY 1"));
        progress.stage(NAME, "wrote " + LakeTables.EVENTS, DayCounts.total(rowsOut), writing);
        Map<LocalDate, String> notes = new HashMap<>();
        for (LocalDate day : days) {
            long in = rowsIn.getOrDefault(day, 0L);
            long out = rowsOut.getOrDefault(day, 0L);
            notes.put(day, String.format("%,d raw rows, %,d after deduplication (%,d duplicates removed)", in, out, in - out));
        }
        return new DayCounts(rowsIn, rowsOut, notes);
    }
}
