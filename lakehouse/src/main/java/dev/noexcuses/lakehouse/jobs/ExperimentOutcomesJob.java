package dev.noexcuses.lakehouse.jobs;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.lakehouse.Progress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code curated.experiment_outcomes}: per A/B experiment and arm, as of the end of a day, what the
 * users exposed to it did after their first exposure, from the lake. Exposures are the serving
 * gateway's {@code experiment_exposure} events in {@code raw.enriched_events} (deduplicated by
 * {@code event_id}, the last {@code lookbackDays} days), keyed by their rows in {@code curated.events}
 * (the user key pseudonymised and stitched like every event's: curate the days first); outcomes are
 * {@code curated.events} of the same user key: converted (a purchase after the first exposure, up to the day), revenue (its order
 * values: sum and sum of squares, for Welch's test), churned (no event in the {@code churnDays} days
 * after the day of the first exposure; known only for users exposed at least that long before the
 * day), and the guardrails (requests, failed predictions, p99 latency of the exposures). A user seen
 * in two arms of one experiment (which sticky assignment never does) is left out and counted. Each
 * day's rows replace that day's (Iceberg partition overwrite), and are mirrored into PostgreSQL
 * {@code public.experiment_outcomes}, where the gateway's report reads them.
 */
public final class ExperimentOutcomesJob implements DailyJob {
    static final String NAME = "experiments";

    /** Where the per-arm rows are mirrored for the serving gateway's report. */
    public interface Mirror {
        Connection connect() throws SQLException;
    }

    private final Mirror mirror;
    private final int churnDays;
    private final int lookbackDays;

    public ExperimentOutcomesJob(Mirror mirror, int churnDays, int lookbackDays) {
        this.mirror = requireNonNull(mirror, "mirror is null");
        if (churnDays < 1 || lookbackDays < 1) {
            throw new IllegalArgumentException("Invalid churn days " + churnDays + " or lookback days " + lookbackDays
                    + ": expected 1 or more");
        }
        this.churnDays = churnDays;
        this.lookbackDays = lookbackDays;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress) {
        Map<LocalDate, Long> rowsIn = new HashMap<>();
        Map<LocalDate, Long> rowsOut = new HashMap<>();
        Map<LocalDate, String> notes = new HashMap<>();
        for (LocalDate day : days) {
            Instant started = Instant.now();
            Dataset<Row> outcomes = outcomesAsOf(spark, day);
            // One pass over the exposures for the counts; the write and the mirror reuse it.
            Row counts = spark.sql("SELECT coalesce(sum(requests), 0), count_if(arms > 1) FROM exposed_users").first();
            long exposures = counts.getLong(0);
            long conflicts = counts.getLong(1);
            rowsIn.put(day, exposures);
            progress.stage(NAME, "read exposures up to " + day, exposures, started);
            Instant writing = Instant.now();
            LakeTables.replace(outcomes, LakeTables.EXPERIMENT_OUTCOMES, LakeTables.inDays("as_of_date", List.of(day)));
            List<Row> rows = outcomes.collectAsList();
            mirror(day, rows);
            spark.catalog().uncacheTable("exposures");
            outcomes.unpersist();
            rowsOut.put(day, (long) rows.size());
            progress.stage(NAME, "wrote " + LakeTables.EXPERIMENT_OUTCOMES, rows.size(), writing);
            notes.put(day, String.format("%,d exposures, %,d arm rows%s", exposures, rows.size(),
                    conflicts == 0 ? "" : String.format(", %,d users seen in two arms left out", conflicts)));
        }
        return new DayCounts(rowsIn, rowsOut, notes);
    }

    private Dataset<Row> outcomesAsOf(SparkSession spark, LocalDate day) {
        String end = "TIMESTAMP '" + day.plusDays(1) + " 00:00:00'";
        String from = "TIMESTAMP '" + day.minusDays(lookbackDays - 1L) + " 00:00:00'";
        // The exposure's user key is its curated row's: pseudonymised and stitched like the user's other events.
        spark.sql("""
                SELECT x.event_id, c.user_key, x.exposed_at, x.experiment, x.arm, x.ok, x.latency_ms FROM (
                  SELECT event_id, CAST(event_time AS TIMESTAMP) AS exposed_at,
                         get_json_object(data, '$.experiment') AS experiment, get_json_object(data, '$.arm') AS arm,
                         CAST(get_json_object(data, '$.ok') AS BOOLEAN) AS ok,
                         CAST(get_json_object(data, '$.latency_ms') AS DOUBLE) AS latency_ms,
                         row_number() OVER (PARTITION BY event_id
                             ORDER BY received_at, kafka_topic, kafka_partition, kafka_offset) AS copy_no
                  FROM %s
                  WHERE coalesce(schema_name, regexp_extract(schema, '^[^/]+/([^/]+)/', 1)) = 'experiment_exposure'
                    AND event_time >= %s AND event_time < %s) x
                JOIN (SELECT event_id, user_key FROM %s WHERE event_type = 'experiment_exposure'
                        AND event_date >= DATE '%s' AND event_date <= DATE '%s') c ON c.event_id = x.event_id
                WHERE x.copy_no = 1 AND x.experiment IS NOT NULL AND x.arm IS NOT NULL AND c.user_key IS NOT NULL
                """.formatted(LakeTables.RAW_EVENTS, from, end, LakeTables.EVENTS, day.minusDays(lookbackDays - 1L), day))
                .createOrReplaceTempView("exposures");
        // Read once: the users, their outcomes and the latency guardrail all come from these rows.
        spark.catalog().cacheTable("exposures");
        spark.sql("""
                SELECT experiment, user_key, min(exposed_at) AS first_exposed_at, count(DISTINCT arm) AS arms,
                       min_by(arm, exposed_at) AS arm, count(*) AS requests, count_if(NOT coalesce(ok, false)) AS errors
                FROM exposures GROUP BY experiment, user_key
                """).createOrReplaceTempView("exposed_users");

        spark.sql("""
                SELECT u.experiment, u.user_key, u.arm, u.requests, u.errors,
                       count_if(e.event_type = 'purchase' AND e.event_time >= u.first_exposed_at) > 0 AS converted,
                       coalesce(sum(CASE WHEN e.event_type = 'purchase' AND e.event_time >= u.first_exposed_at
                                    THEN e.order_value END), 0D) AS revenue,
                       CASE WHEN date_add(to_date(u.first_exposed_at), %d) <= DATE '%s'
                            THEN count_if(e.event_date > to_date(u.first_exposed_at)
                                          AND e.event_date <= date_add(to_date(u.first_exposed_at), %d)) = 0 END AS churned
                FROM exposed_users u
                LEFT JOIN (SELECT user_key, event_type, event_time, event_date, order_value FROM %s
                           WHERE event_date >= DATE '%s' AND event_date <= DATE '%s'
                             AND event_type <> 'experiment_exposure') e
                  ON e.user_key = u.user_key
                WHERE u.arms = 1
                GROUP BY u.experiment, u.user_key, u.arm, u.first_exposed_at, u.requests, u.errors
                """.formatted(churnDays, day, churnDays, LakeTables.EVENTS, day.minusDays(lookbackDays - 1L), day))
                .createOrReplaceTempView("user_outcomes");
        return spark.sql("""
                SELECT o.experiment, o.arm, DATE '%s' AS as_of_date, count(*) AS users,
                       count_if(o.converted) AS conversions, sum(o.revenue) AS revenue_sum,
                       sum(o.revenue * o.revenue) AS revenue_sum_squares,
                       count(o.churned) AS churn_eligible, count_if(o.churned) AS churned,
                       sum(o.requests) AS requests, sum(o.errors) AS errors,
                       coalesce(max(l.latency_p99_ms), 0D) AS latency_p99_ms, current_timestamp() AS computed_at
                FROM user_outcomes o
                LEFT JOIN (SELECT experiment, arm, percentile_approx(latency_ms, 0.99, 10000) AS latency_p99_ms
                           FROM exposures GROUP BY experiment, arm) l
                  ON l.experiment = o.experiment AND l.arm = o.arm
                GROUP BY o.experiment, o.arm
                """.formatted(day)).persist();
    }

    /** The day's rows replace the day's rows in PostgreSQL, in one transaction. */
    private void mirror(LocalDate day, List<Row> rows) {
        try (Connection c = mirror.connect()) {
            c.setAutoCommit(false);
            try (Statement ddl = c.createStatement()) {
                ddl.execute("CREATE TABLE IF NOT EXISTS public.experiment_outcomes (experiment text NOT NULL, arm text NOT NULL, "
                        + "as_of date NOT NULL, users bigint NOT NULL, conversions bigint NOT NULL, "
                        + "revenue_sum double precision NOT NULL, revenue_sum_squares double precision NOT NULL, "
                        + "churn_eligible bigint NOT NULL, churned bigint NOT NULL, requests bigint NOT NULL, "
                        + "errors bigint NOT NULL, latency_p99_ms double precision NOT NULL, "
                        + "computed_at timestamptz NOT NULL, PRIMARY KEY (experiment, arm, as_of))");
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM public.experiment_outcomes WHERE as_of = ?")) {
                delete.setObject(1, day);
                delete.executeUpdate();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO public.experiment_outcomes (experiment, arm, "
                    + "as_of, users, conversions, revenue_sum, revenue_sum_squares, churn_eligible, churned, requests, errors, "
                    + "latency_p99_ms, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Row r : rows) {
                    insert.setString(1, r.getString(0));
                    insert.setString(2, r.getString(1));
                    insert.setObject(3, day);
                    insert.setLong(4, r.getLong(3));
                    insert.setLong(5, r.getLong(4));
                    insert.setDouble(6, r.getDouble(5));
                    insert.setDouble(7, r.getDouble(6));
                    insert.setLong(8, r.getLong(7));
                    insert.setLong(9, r.getLong(8));
                    insert.setLong(10, r.getLong(9));
                    insert.setLong(11, r.getLong(10));
                    insert.setDouble(12, r.getDouble(11));
                    insert.setTimestamp(13, Timestamp.from(Instant.now()));
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot mirror the experiment outcomes of " + day
                    + " into PostgreSQL public.experiment_outcomes: " + e.getMessage(), e);
        }
    }
}
