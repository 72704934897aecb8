package dev.noexcuses.lakehouse.jobs;


import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.jobs.QualityCheck.Severity;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Data-quality checks on the raw events of each day, written to {@code quality.check_results}:
 * the day has events, required columns, unique event ids, values in range, known products,
 * freshness, volume against the trailing 7-day median, and the failed-event share. A day with a
 * failed {@code error} check is reported failed, and its downstream jobs do not run.
 */
public final class QualityJob implements DailyJob {
    static final String NAME = "quality";

    /** Thresholds of the checks; defaults suit the web shop. */
    public record Thresholds(double maxUnknownProductShare, Duration maxStaleness, double volumeLowFactor,
                             double volumeHighFactor, double maxFailedShare) {
        public static Thresholds defaults() {
            return new Thresholds(0.01, Duration.ofHours(3), 0.5, 2.0, 0.25);
        }
    }

    private static final StructType RESULT = new StructType()
            .add("run_id", DataTypes.StringType, false)
            .add("table_name", DataTypes.StringType)
            .add("partition_date", DataTypes.DateType, false)
            .add("check_name", DataTypes.StringType)
            .add("severity", DataTypes.StringType)
            .add("status", DataTypes.StringType)
            .add("observed", DataTypes.StringType)
            .add("expected", DataTypes.StringType)
            .add("message", DataTypes.StringType)
            .add("checked_at", DataTypes.TimestampType);

    private final Thresholds thresholds;

    public QualityJob(Thresholds thresholds) {
        this.thresholds = thresholds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DayCounts run(SparkSession spark, String runId, List<LocalDate> days, Progress progress) {
        Instant started = Instant.now();
        ProductCatalogue.register(spark);
        LocalDate first = days.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = days.stream().max(LocalDate::compareTo).orElseThrow();

        Map<LocalDate, Row> stats = new HashMap<>();
        for (Row r : spark.sql("""
                WITH v AS (
                  SELECT r.*, from_json(data, 'product_id STRING, price DOUBLE, quantity INT, value DOUBLE') AS d,
                         CASE WHEN schema_name = 'purchase' THEN from_json(get_json_object(data, '$.items'),
                              'ARRAY<STRUCT<product_id: STRING, quantity: INT, price: DOUBLE>>') END AS items
                  FROM %s r WHERE %s)
                SELECT to_date(event_time) AS day, count(*) AS rows, count(DISTINCT event_id) AS ids,
                       count_if(event_id IS NULL OR schema IS NULL OR event_time IS NULL OR data IS NULL
                                OR (user_id IS NULL AND anonymous_id IS NULL)) AS missing_required,
                       count_if(d.price < 0 OR d.quantity < 1 OR d.value < 0
                                OR exists(items, i -> i.quantity < 1 OR i.price < 0)) AS out_of_range,
                       count_if(d.product_id IS NOT NULL) AS product_events,
                       count_if(d.product_id IS NOT NULL AND c.product_id IS NULL) AS unknown_products,
                       max(event_time) AS newest
                FROM v LEFT JOIN catalogue c ON v.d.product_id = c.product_id
                GROUP BY 1
                """.formatted(LakeTables.RAW_EVENTS, Days.eventTimeBetween("event_time", days))).collectAsList()) {
            stats.put(r.getDate(0).toLocalDate(), r);
        }
        Map<LocalDate, Long> volume = DayCounts.byDay(spark.sql("SELECT to_date(event_time), count(*) FROM "
                + LakeTables.RAW_EVENTS + " WHERE event_time >= TIMESTAMP '" + first.minusDays(7) + " 00:00:00'"
                + " AND event_time < TIMESTAMP '" + last + " 00:00:00' GROUP BY 1"));
        String received = "to_date(received_at) IN (" + Days.literals(days) + ")";
        Map<LocalDate, Long> receivedByDay = DayCounts.byDay(spark.sql("SELECT to_date(received_at), count(*) FROM "
                + LakeTables.RAW_EVENTS + " WHERE " + received + " GROUP BY 1"));
        Map<LocalDate, Long> failedByDay = DayCounts.byDay(spark.sql("SELECT to_date(received_at), count(*) FROM "
                + LakeTables.failedEvents(spark) + " WHERE " + received + " GROUP BY 1"));

        Map<LocalDate, Long> rowsIn = new HashMap<>();
        Map<LocalDate, Long> rowsOut = new HashMap<>();
        Map<LocalDate, String> notes = new HashMap<>();
        Set<LocalDate> failedDays = new HashSet<>();
        List<Row> results = new ArrayList<>();
        Timestamp checkedAt = Timestamp.from(Instant.now());
        for (LocalDate day : days) {
            Row s = stats.get(day);
            rowsIn.put(day, s == null ? 0L : s.getLong(1));
            Map<LocalDate, Long> trailing = new HashMap<>(volume);
            trailing.keySet().removeIf(d -> !d.isBefore(day) || d.isBefore(day.minusDays(7)));
            List<QualityCheck> checks = checks(day, s, trailing, receivedByDay.getOrDefault(day, 0L),
                    failedByDay.getOrDefault(day, 0L));
            for (QualityCheck c : checks) {
                results.add(RowFactory.create(runId, c.table(), java.sql.Date.valueOf(day), c.name(),
                        c.severity().name().toLowerCase(), c.status(), c.observed(), c.expected(), c.message(), checkedAt));
            }
            rowsOut.put(day, (long) checks.size());
            List<QualityCheck> stopping = checks.stream().filter(QualityCheck::stopsDownstream).toList();
            long warnings = checks.stream().filter(c -> c.status().equals("warn")).count();
            if (stopping.isEmpty()) {
                notes.put(day, "passed " + checks.size() + " checks" + (warnings > 0 ? ", " + warnings + " warning(s): "
                        + checks.stream().filter(c -> c.status().equals("warn")).map(QualityCheck::name)
                        .collect(Collectors.joining(", ")) : ""));
            } else {
                failedDays.add(day);
                notes.put(day, "failed: " + stopping.stream().map(QualityCheck::describe).collect(Collectors.joining("; ")));
            }
        }
        LakeTables.replace(spark.createDataFrame(results, RESULT), LakeTables.CHECK_RESULTS, LakeTables.inDays("partition_date", days));
        progress.stage(NAME, "wrote " + LakeTables.CHECK_RESULTS, results.size(), started);
        return new DayCounts(rowsIn, rowsOut, notes, failedDays);
    }

    private List<QualityCheck> checks(LocalDate day, Row s, Map<LocalDate, Long> trailing, long received, long failed) {
        String t = LakeTables.RAW_EVENTS;
        long rows = s == null ? 0 : s.getLong(1);
        List<QualityCheck> checks = new ArrayList<>();
        checks.add(new QualityCheck(t, "has_events", Severity.ERROR, rows > 0, String.valueOf(rows), "> 0",
                rows > 0 ? "the day has events" : "no events with event_time on this day: nothing to build"));
        if (rows == 0) {
            return checks;
        }
        long missing = s.getLong(3);
        checks.add(new QualityCheck(t, "required_columns", Severity.ERROR, missing == 0, String.valueOf(missing), "0",
                missing + " rows without event_id, schema, event_time, data, or both user_id and anonymous_id"));
        long duplicates = rows - s.getLong(2);
        checks.add(new QualityCheck(t, "event_id_unique", Severity.WARN, duplicates == 0, String.valueOf(duplicates), "0",
                duplicates + " rows repeat an event_id of the day (curate keeps the earliest copy)"));
        long outOfRange = s.getLong(4);
        checks.add(new QualityCheck(t, "values_in_range", Severity.ERROR, outOfRange == 0, String.valueOf(outOfRange), "0",
                outOfRange + " rows with a price or value < 0 or a quantity < 1"));
        long productEvents = s.getLong(5);
        long unknown = s.getLong(6);
        double unknownShare = productEvents == 0 ? 0 : (double) unknown / productEvents;
        checks.add(new QualityCheck(t, "product_ids_known", Severity.ERROR,
                unknownShare <= thresholds.maxUnknownProductShare(), share(unknownShare),
                "<= " + share(thresholds.maxUnknownProductShare()),
                unknown + " of " + productEvents + " product events name a product missing from the catalogue"));
        Instant newest = s.getTimestamp(7).toInstant();
        Instant dayEnd = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant reference = Instant.now().isBefore(dayEnd) ? Instant.now() : dayEnd;
        Duration staleness = Duration.between(newest, reference);
        checks.add(new QualityCheck(t, "freshness", Severity.WARN, staleness.compareTo(thresholds.maxStaleness()) <= 0,
                staleness.toMinutes() + " min", "<= " + thresholds.maxStaleness().toMinutes() + " min",
                "newest event at " + newest + ", " + staleness.toMinutes() + " min before "
                        + (reference.equals(dayEnd) ? "the day's end" : "now")));
        if (trailing.size() < 3) {
            checks.add(new QualityCheck(t, "volume_anomaly", Severity.WARN, true, String.valueOf(rows),
                    "7-day median (needs 3 days)", "only " + trailing.size() + " earlier day(s) with events: no baseline yet"));
        } else {
            double median = median(trailing.values().stream().mapToLong(Long::longValue).sorted().toArray());
            double ratio = rows / median;
            boolean normal = ratio >= thresholds.volumeLowFactor() && ratio <= thresholds.volumeHighFactor();
            checks.add(new QualityCheck(t, "volume_anomaly", Severity.WARN, normal, String.valueOf(rows),
                    String.format("%.0f..%.0f", median * thresholds.volumeLowFactor(), median * thresholds.volumeHighFactor()),
                    String.format("%,d events, %.2f x the median %,.0f of the %d days before", rows, ratio, median,
                            trailing.size())));
        }
        double failedShare = received + failed == 0 ? 0 : (double) failed / (received + failed);
        checks.add(new QualityCheck(LakeTables.RAW_FAILED, "failed_event_share", Severity.ERROR,
                failedShare <= thresholds.maxFailedShare(), share(failedShare), "<= " + share(thresholds.maxFailedShare()),
                failed + " failed of " + (received + failed) + " events received on this day"));
        return checks;
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static String share(double v) {
        return String.format("%.2f%%", v * 100);
    }
}
