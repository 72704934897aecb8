package dev.noexcuses.lakehouse.jobs;

import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The tables the jobs build, created when missing (Iceberg format v2, which Trino reads). Curated
 * fact tables are partitioned by {@code event_date}, the UTC day of the event, so a day is rebuilt by
 * replacing its partition; dimensions are small and replaced whole.
 */
public final class LakeTables {
    public static final String RAW_EVENTS = "raw.enriched_events";
    public static final String RAW_FAILED = "raw.failed_events";
    public static final String EVENTS = "curated.events";
    public static final String IDENTITY_MAP = "curated.identity_map";
    public static final String SESSIONS = "curated.sessions";
    public static final String FACT_ORDERS = "curated.fact_orders";
    public static final String FACT_ORDER_ITEMS = "curated.fact_order_items";
    public static final String FACT_PAGE_VIEWS = "curated.fact_page_views";
    public static final String DIM_USERS = "curated.dim_users";
    public static final String DIM_PRODUCTS = "curated.dim_products";
    public static final String DIM_DATE = "curated.dim_date";
    public static final String DAILY_KPIS = "curated.daily_kpis";
    public static final String CHECK_RESULTS = "quality.check_results";
    public static final String EXPERIMENT_OUTCOMES = "curated.experiment_outcomes";

    private static final String V2 = " TBLPROPERTIES ('format-version' = '2')";

    private static final List<String> DDL = List.of(
            "CREATE TABLE IF NOT EXISTS " + EVENTS + " ("
                    + "event_id STRING NOT NULL, event_type STRING, schema STRING, event_time TIMESTAMP, event_date DATE NOT NULL, "
                    + "received_at TIMESTAMP, source STRING, user_id STRING, anonymous_id STRING, "
                    + "user_key STRING COMMENT 'user_id, else the user id learned at a login of this visitor, else anonymous_id', "
                    + "stitched BOOLEAN COMMENT 'user_key was learned from a login, not sent with the event', "
                    + "session_id STRING, "
                    + "page_url STRING, page_type STRING, referrer STRING, page_title STRING, "
                    + "product_id STRING, product_name STRING, product_category STRING, price DOUBLE, quantity INT, "
                    + "search_query STRING, search_results INT, cart_id STRING, order_id STRING, order_value DOUBLE, currency STRING, "
                    + "items_count INT, order_items ARRAY<STRUCT<product_id: STRING, quantity: INT, price: DOUBLE>>, "
                    + "payment_method STRING, auth_method STRING, login_success BOOLEAN, marketing_opt_in BOOLEAN, element_id STRING, "
                    + "device STRING, browser STRING, os STRING, country_code STRING, country STRING, city STRING, "
                    + "score_model STRING, score DOUBLE) USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + IDENTITY_MAP + " (anonymous_id STRING NOT NULL, user_id STRING NOT NULL, "
                    + "linked_at TIMESTAMP COMMENT 'start of the session in which the visitor logged in', "
                    + "linked_date DATE NOT NULL) USING iceberg PARTITIONED BY (linked_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + SESSIONS + " (session_id STRING NOT NULL, user_key STRING, anonymous_id STRING, "
                    + "event_date DATE NOT NULL, session_start TIMESTAMP, session_end TIMESTAMP, duration_seconds BIGINT, "
                    + "events BIGINT, page_views BIGINT, landing_page STRING, device STRING, country_code STRING, "
                    + "converted BOOLEAN, orders BIGINT, revenue DOUBLE) USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + FACT_ORDERS + " (order_id STRING NOT NULL, event_id STRING, user_key STRING, "
                    + "session_id STRING, order_time TIMESTAMP, event_date DATE NOT NULL, order_value DOUBLE, currency STRING, "
                    + "lines INT, units BIGINT, payment_method STRING, device STRING, country_code STRING) "
                    + "USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + FACT_ORDER_ITEMS + " (order_id STRING NOT NULL, line_number INT, product_id STRING, "
                    + "product_category STRING, quantity INT, unit_price DOUBLE, line_value DOUBLE, user_key STRING, "
                    + "event_date DATE NOT NULL) USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + FACT_PAGE_VIEWS + " (event_id STRING NOT NULL, event_time TIMESTAMP, "
                    + "event_date DATE NOT NULL, user_key STRING, session_id STRING, page_url STRING, page_type STRING, "
                    + "referrer STRING, device STRING, country_code STRING) USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + DIM_USERS + " (user_key STRING NOT NULL, user_id STRING, known BOOLEAN, "
                    + "first_seen_at TIMESTAMP, first_seen_date DATE, last_seen_date DATE, active_days BIGINT, events BIGINT, "
                    + "sessions BIGINT, orders BIGINT, revenue DOUBLE, country_code STRING, device STRING) USING iceberg" + V2,
            "CREATE TABLE IF NOT EXISTS " + DIM_PRODUCTS + " (product_id STRING NOT NULL, name STRING, category STRING, "
                    + "list_price DOUBLE, currency STRING) USING iceberg" + V2,
            "CREATE TABLE IF NOT EXISTS " + DIM_DATE + " (date_key INT NOT NULL, date DATE, year INT, quarter INT, month INT, "
                    + "day_of_month INT, day_of_week INT COMMENT '1 = Monday', day_name STRING, iso_week INT, weekend BOOLEAN) USING iceberg" + V2,
            "CREATE TABLE IF NOT EXISTS " + DAILY_KPIS + " (event_date DATE NOT NULL, events BIGINT, active_users BIGINT, "
                    + "new_users BIGINT, sessions BIGINT, converted_sessions BIGINT, conversion_rate DOUBLE, orders BIGINT, "
                    + "revenue DOUBLE, average_order_value DOUBLE, received_events BIGINT, failed_events BIGINT, "
                    + "failed_event_share DOUBLE) USING iceberg PARTITIONED BY (event_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + EXPERIMENT_OUTCOMES + " (experiment STRING, arm STRING, "
                    + "as_of_date DATE NOT NULL, users BIGINT, conversions BIGINT, revenue_sum DOUBLE, revenue_sum_squares DOUBLE, "
                    + "churn_eligible BIGINT COMMENT 'users exposed at least the churn window before as_of_date', "
                    + "churned BIGINT, requests BIGINT, errors BIGINT, latency_p99_ms DOUBLE, computed_at TIMESTAMP) "
                    + "USING iceberg PARTITIONED BY (as_of_date)" + V2,
            "CREATE TABLE IF NOT EXISTS " + CHECK_RESULTS + " (run_id STRING NOT NULL, table_name STRING, "
                    + "partition_date DATE NOT NULL, check_name STRING, severity STRING, status STRING, observed STRING, "
                    + "expected STRING, message STRING, checked_at TIMESTAMP) USING iceberg PARTITIONED BY (partition_date)" + V2);

    private LakeTables() {}

    public static void ensure(SparkSession spark) {
        for (String ns : List.of("curated", "quality")) {
            spark.sql("CREATE NAMESPACE IF NOT EXISTS " + ns);
        }
        DDL.forEach(spark::sql);
        partitionByDay(spark, IDENTITY_MAP, "linked_date");
        partitionByDay(spark, DAILY_KPIS, "event_date");
    }

    /**
     * A run replaces its days' rows with an overwrite by a filter on the day column, which Iceberg can only do
     * by dropping whole files: the table must be partitioned by that column. Tables made unpartitioned by
     * earlier versions are partitioned here and their rows rewritten once into day files.
     */
    private static void partitionByDay(SparkSession spark, String table, String dayColumn) {
        try {
            if (!org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark, table).spec().isUnpartitioned()) {
                return;
            }
        } catch (org.apache.spark.sql.catalyst.parser.ParseException
                 | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException("Cannot load table " + table + ": " + e.getMessage(), e);
        }
        spark.sql("ALTER TABLE " + table + " ADD PARTITION FIELD " + dayColumn);
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows = spark.table(table).localCheckpoint();
        replace(rows, table, org.apache.spark.sql.functions.lit(true));
    }

    /** {@code raw.failed_events}, or an empty view of its columns used here when the loader has not made it yet. */
    static String failedEvents(SparkSession spark) {
        if (exists(spark, RAW_FAILED)) {
            return RAW_FAILED;
        }
        spark.sql("SELECT CAST(NULL AS STRING) AS failure_id, CAST(NULL AS TIMESTAMP) AS received_at WHERE false")
                .createOrReplaceTempView("no_failed_events");
        return "no_failed_events";
    }

    /** Replaces the rows matching {@code rows} (whole day partitions) with {@code data}, in one Iceberg commit. */
    static void replace(org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> data, String table,
                        org.apache.spark.sql.Column rows) {
        try {
            data.writeTo(table).overwrite(rows);
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
            throw new IllegalStateException("Table " + table + " does not exist: " + e.getMessage(), e);
        }
    }

    /** Rows whose {@code column} is one of the days. */
    static org.apache.spark.sql.Column inDays(String column, java.util.Collection<java.time.LocalDate> days) {
        return org.apache.spark.sql.functions.col(column).isin(days.stream().map(java.sql.Date::valueOf).toArray());
    }

    public static boolean exists(SparkSession spark, String table) {
        return spark.catalog().tableExists(table);
    }
}
