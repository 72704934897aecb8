package dev.noexcuses.lakehouse.jobs;


import dev.noexcuses.lakehouse.Progress;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code curated.sessions}: one row per session of {@code curated.events} (whose {@code session_id}
 * the curate job set: 30 minutes without an event, or midnight UTC, ends a session), with its
 * start, end, duration, events, pages, landing page, device, country, whether it bought, and revenue.
 */
public final class SessionsJob implements DailyJob {
    static final String NAME = "sessions";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress) {
        String dayList = Days.literals(days);
        Instant started = Instant.now();
        Map<LocalDate, Long> rowsIn = DayCounts.byDay(spark.sql("SELECT event_date, count(*) FROM "
                + LakeTables.EVENTS + " WHERE event_date IN (" + dayList + ") GROUP BY 1"));
        progress.stage(NAME, "read " + LakeTables.EVENTS, DayCounts.total(rowsIn), started);
        Dataset<Row> sessions = spark.sql("""
                SELECT session_id,
                       max_by(user_key, event_time) AS user_key,
                       first(anonymous_id, true) AS anonymous_id,
                       event_date,
                       min(event_time) AS session_start,
                       max(event_time) AS session_end,
                       unix_seconds(max(event_time)) - unix_seconds(min(event_time)) AS duration_seconds,
                       count(*) AS events,
                       count_if(event_type = 'page_view') AS page_views,
                       min_by(CASE WHEN event_type = 'page_view' THEN page_url END,
                              CASE WHEN event_type = 'page_view' THEN event_time END) AS landing_page,
                       min_by(device, event_time) AS device,
                       min_by(country_code, event_time) AS country_code,
                       count_if(event_type = 'purchase') > 0 AS converted,
                       count_if(event_type = 'purchase') AS orders,
                       coalesce(sum(CASE WHEN event_type = 'purchase' THEN order_value END), 0D) AS revenue
                FROM %s WHERE event_date IN (%s)
                GROUP BY session_id, event_date
                """.formatted(LakeTables.EVENTS, dayList));
        Instant writing = Instant.now();
        LakeTables.replace(sessions, LakeTables.SESSIONS, LakeTables.inDays("event_date", days));
        Map<LocalDate, Long> rowsOut = DayCounts.byDay(spark.sql("SELECT event_date, count(*) FROM "
                + LakeTables.SESSIONS + " WHERE event_date IN (" + dayList + ") GROUP BY 1"));
        progress.stage(NAME, "wrote " + LakeTables.SESSIONS, DayCounts.total(rowsOut), writing);
        return new DayCounts(rowsIn, rowsOut, Map.of());
    }
}
