package dev.noexcuses.lakehouse.jobs;


import dev.noexcuses.lakehouse.Progress;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The star schema over {@code curated.events} and {@code curated.sessions}: facts of orders, order
 * lines and page views per day partition; users, products and dates as dimensions (small, rebuilt
 * whole); and {@code curated.daily_kpis}, one row per day.
 */
public final class ModelJob implements DailyJob {
    static final String NAME = "model";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress) {
        String dayList = Days.literals(days);
        Column inDays = LakeTables.inDays("event_date", days);
        Instant started = Instant.now();
        // Registered here, not left to an earlier job of the same session: the orchestrator runs each job alone.
        Dataset<Row> catalogue = ProductCatalogue.register(spark);
        Map<LocalDate, Long> rowsIn = DayCounts.byDay(spark.sql("SELECT event_date, count(*) FROM "
                + LakeTables.EVENTS + " WHERE event_date IN (" + dayList + ") GROUP BY 1"));
        progress.stage(NAME, "read " + LakeTables.EVENTS, DayCounts.total(rowsIn), started);

        Instant step = Instant.now();
        LakeTables.replace(spark.sql("""
                SELECT order_id, event_id, user_key, session_id, event_time AS order_time, event_date,
                       order_value, currency, size(order_items) AS lines,
                       aggregate(order_items, 0L, (acc, i) -> acc + coalesce(i.quantity, 0)) AS units,
                       payment_method, device, country_code
                FROM %s WHERE event_type = 'purchase' AND order_id IS NOT NULL AND event_date IN (%s)
                """.formatted(LakeTables.EVENTS, dayList)), LakeTables.FACT_ORDERS, inDays);
        LakeTables.replace(spark.sql("""
                SELECT x.order_id, CAST(x.pos + 1 AS INT) AS line_number, x.item.product_id AS product_id,
                       c.category AS product_category, x.item.quantity AS quantity, x.item.price AS unit_price,
                       x.item.quantity * x.item.price AS line_value, x.user_key, x.event_date
                FROM (SELECT e.order_id, e.user_key, e.event_date, l.pos, l.item
                      FROM %s e LATERAL VIEW posexplode(e.order_items) l AS pos, item
                      WHERE e.event_type = 'purchase' AND e.order_id IS NOT NULL AND e.event_date IN (%s)) x
                LEFT JOIN catalogue c ON x.item.product_id = c.product_id
                """.formatted(LakeTables.EVENTS, dayList)), LakeTables.FACT_ORDER_ITEMS, inDays);
        LakeTables.replace(spark.sql("""
                SELECT event_id, event_time, event_date, user_key, session_id, page_url, page_type, referrer,
                       device, country_code
                FROM %s WHERE event_type = 'page_view' AND event_date IN (%s)
                """.formatted(LakeTables.EVENTS, dayList)), LakeTables.FACT_PAGE_VIEWS, inDays);
        progress.stage(NAME, "wrote fact_orders, _order_items, _page_views", step);

        step = Instant.now();
        LakeTables.replace(catalogue, LakeTables.DIM_PRODUCTS, functions.lit(true));
        // Users and dates span every day built so far, so they are rebuilt whole.
        LakeTables.replace(spark.sql("""
                SELECT user_key, max(user_id) AS user_id, max(user_id) IS NOT NULL AS known,
                       min(event_time) AS first_seen_at, min(event_date) AS first_seen_date,
                       max(event_date) AS last_seen_date, count(DISTINCT event_date) AS active_days,
                       count(*) AS events, count(DISTINCT session_id) AS sessions,
                       count_if(event_type = 'purchase') AS orders,
                       coalesce(sum(CASE WHEN event_type = 'purchase' THEN order_value END), 0D) AS revenue,
                       max_by(country_code, CASE WHEN country_code IS NOT NULL THEN event_time END) AS country_code,
                       max_by(device, CASE WHEN device IS NOT NULL THEN event_time END) AS device
                FROM %s GROUP BY user_key
                """.formatted(LakeTables.EVENTS)), LakeTables.DIM_USERS, functions.lit(true));
        LakeTables.replace(spark.sql("""
                SELECT CAST(date_format(d, 'yyyyMMdd') AS INT) AS date_key, d AS date, year(d) AS year,
                       quarter(d) AS quarter, month(d) AS month, day(d) AS day_of_month,
                       weekday(d) + 1 AS day_of_week, date_format(d, 'EEEE') AS day_name,
                       weekofyear(d) AS iso_week, weekday(d) >= 5 AS weekend
                FROM (SELECT explode(sequence(min(event_date), max(event_date))) AS d FROM %s)
                WHERE d IS NOT NULL
                """.formatted(LakeTables.EVENTS)), LakeTables.DIM_DATE, functions.lit(true));
        progress.stage(NAME, "wrote dim_users, dim_products, dim_date", step);

        step = Instant.now();
        Dataset<Row> kpis = spark.sql("""
                WITH days AS (SELECT explode(array(%1$s)) AS event_date),
                ev AS (SELECT event_date, count(*) AS events, count(DISTINCT user_key) AS active_users
                       FROM %2$s WHERE event_date IN (%1$s) GROUP BY event_date),
                nu AS (SELECT first_seen_date AS event_date, count(*) AS new_users FROM %3$s
                       WHERE first_seen_date IN (%1$s) GROUP BY first_seen_date),
                se AS (SELECT event_date, count(*) AS sessions, count_if(converted) AS converted_sessions
                       FROM %4$s WHERE event_date IN (%1$s) GROUP BY event_date),
                o AS (SELECT event_date, count(*) AS orders, sum(order_value) AS revenue
                      FROM %5$s WHERE event_date IN (%1$s) GROUP BY event_date),
                rcv AS (SELECT to_date(received_at) AS event_date, count(*) AS received_events FROM %6$s
                        WHERE to_date(received_at) IN (%1$s) GROUP BY 1),
                fl AS (SELECT to_date(received_at) AS event_date, count(*) AS failed_events FROM %7$s
                       WHERE to_date(received_at) IN (%1$s) GROUP BY 1)
                SELECT d.event_date, coalesce(ev.events, 0) AS events, coalesce(ev.active_users, 0) AS active_users,
                       coalesce(nu.new_users, 0) AS new_users, coalesce(se.sessions, 0) AS sessions,
                       coalesce(se.converted_sessions, 0) AS converted_sessions,
                       CASE WHEN coalesce(se.sessions, 0) = 0 THEN 0D ELSE se.converted_sessions / se.sessions END AS conversion_rate,
                       coalesce(o.orders, 0) AS orders, coalesce(o.revenue, 0D) AS revenue,
                       CASE WHEN coalesce(o.orders, 0) = 0 THEN 0D ELSE o.revenue / o.orders END AS average_order_value,
                       coalesce(rcv.received_events, 0) AS received_events, coalesce(fl.failed_events, 0) AS failed_events,
                       CASE WHEN coalesce(rcv.received_events, 0) + coalesce(fl.failed_events, 0) = 0 THEN 0D
                            ELSE coalesce(fl.failed_events, 0) / (coalesce(rcv.received_events, 0) + coalesce(fl.failed_events, 0))
                       END AS failed_event_share
                FROM days d
                LEFT JOIN ev ON ev.event_date = d.event_date
                LEFT JOIN nu ON nu.event_date = d.event_date
                LEFT JOIN se ON se.event_date = d.event_date
                LEFT JOIN o ON o.event_date = d.event_date
                LEFT JOIN rcv ON rcv.event_date = d.event_date
                LEFT JOIN fl ON fl.event_date = d.event_date
                """.formatted(dayList, LakeTables.EVENTS, LakeTables.DIM_USERS, LakeTables.SESSIONS,
                LakeTables.FACT_ORDERS, LakeTables.RAW_EVENTS, LakeTables.failedEvents(spark)));
        LakeTables.replace(kpis, LakeTables.DAILY_KPIS, inDays);
        progress.stage(NAME, "wrote " + LakeTables.DAILY_KPIS, days.size(), step);

        Map<LocalDate, Long> rowsOut = DayCounts.byDay(spark.sql(
                "SELECT event_date, count(*) FROM (SELECT event_date FROM " + LakeTables.FACT_ORDERS
                        + " WHERE event_date IN (" + dayList + ") UNION ALL SELECT event_date FROM "
                        + LakeTables.FACT_ORDER_ITEMS + " WHERE event_date IN (" + dayList + ") UNION ALL SELECT event_date FROM "
                        + LakeTables.FACT_PAGE_VIEWS + " WHERE event_date IN (" + dayList + ")) GROUP BY 1"));
        return new DayCounts(rowsIn, rowsOut, Map.of());
    }
}
