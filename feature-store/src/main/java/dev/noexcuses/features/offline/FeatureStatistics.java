package dev.noexcuses.features.offline;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The checks of every build, stored beside the lakehouse's in {@code quality.check_results} (table
 * {@code features.<view>}, one row per feature, check and day): {@code nulls} (only rates may be empty, when
 * their denominator is 0), {@code range} (counts and sums at least 0, rates within 0..1, days since the last
 * activity within the longest window) and {@code drift} (the mean moved more than {@value #DRIFT_LIMIT} of the
 * previous day's: a warning).
 */
public final class FeatureStatistics {
    static final double DRIFT_LIMIT = 0.5;

    /** One check's verdict. */
    public record Check(LocalDate day, String feature, String check, String severity, String status, String observed,
                        String expected, String message) {}

    private final SparkSession spark;

    public FeatureStatistics(SparkSession spark) {
        this.spark = requireNonNull(spark, "spark is null");
    }

    public List<Check> check(FeatureView view, List<LocalDate> days, String runId) {
        LocalDate first = days.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = days.stream().max(LocalDate::compareTo).orElseThrow();
        StringBuilder sql = new StringBuilder("SELECT feature_date, count(*) AS row_count");
        for (Feature f : view.features()) {
            String c = f.name();
            sql.append(", count(").append(c).append("), min(").append(c).append("), max(").append(c)
                    .append("), avg(").append(c).append(")");
        }
        sql.append(" FROM ").append(view.table()).append(" WHERE feature_date BETWEEN DATE '").append(first.minusDays(1))
                .append("' AND DATE '").append(last).append("' GROUP BY feature_date");
        Map<LocalDate, Row> byDay = new HashMap<>();
        spark.sql(sql.toString()).collectAsList().forEach(r -> byDay.put(r.getDate(0).toLocalDate(), r));
        List<Check> checks = new ArrayList<>();
        for (LocalDate day : days) {
            Row r = byDay.get(day);
            Row previous = byDay.get(day.minusDays(1));
            long rows = r == null ? 0 : r.getLong(1);
            for (int i = 0; i < view.features().size(); i++) {
                Feature f = view.features().get(i);
                int at = 2 + 4 * i;
                long present = r == null ? 0 : r.getLong(at);
                long nulls = rows - present;
                boolean mayBeNull = f.computation() instanceof Feature.Rate;
                checks.add(new Check(day, f.name(), "nulls", "error", nulls == 0 || mayBeNull ? "pass" : "fail",
                        nulls + " of " + rows, mayBeNull ? "any (empty when the denominator is 0)" : "0",
                        nulls == 0 || mayBeNull ? "" : nulls + " rows have no " + f.name()));
                if (present == 0) {
                    continue;
                }
                double min = ((Number) r.get(at + 1)).doubleValue();
                double max = ((Number) r.get(at + 2)).doubleValue();
                boolean inRange = min >= f.minimum() && max <= f.maximum();
                checks.add(new Check(day, f.name(), "range", "error", inRange ? "pass" : "fail",
                        format(min) + ".." + format(max), format(f.minimum()) + ".." + format(f.maximum()),
                        inRange ? "" : "values outside the range the computation allows"));
                double mean = r.getDouble(at + 3);
                if (previous == null || previous.isNullAt(at + 3)) {
                    checks.add(new Check(day, f.name(), "drift", "warn", "pass", "mean " + format(mean), "no previous day",
                            "no rows of " + day.minusDays(1) + " to compare with"));
                    continue;
                }
                double before = previous.getDouble(at + 3);
                double change = Math.abs(mean - before) / Math.max(Math.abs(before), 1e-9);
                boolean drifted = change > DRIFT_LIMIT && Math.abs(mean - before) > 1e-9;
                checks.add(new Check(day, f.name(), "drift", "warn", drifted ? "warn" : "pass",
                        "mean " + format(mean) + " (previous day " + format(before) + ")",
                        "change of the mean at most " + (int) (DRIFT_LIMIT * 100) + "%",
                        drifted ? String.format(Locale.ROOT, "the mean moved %.0f%% from the previous day", change * 100) : ""));
            }
        }
        store(view, days, checks, runId);
        return checks;
    }

    private void store(FeatureView view, List<LocalDate> days, List<Check> checks, String runId) {
        LakeTables.ensure(spark);
        spark.sql("DELETE FROM " + LakeTables.CHECK_RESULTS + " WHERE table_name = '" + view.table()
                + "' AND partition_date IN (" + FeatureSql.dateList(days) + ")");
        StructType schema = spark.table(LakeTables.CHECK_RESULTS).schema();
        Timestamp now = Timestamp.from(Instant.now());
        List<Row> rows = new ArrayList<>();
        for (Check c : checks) {
            rows.add(RowFactory.create(runId, view.table(), Date.valueOf(c.day()), c.feature() + "." + c.check(),
                    c.severity(), c.status(), c.observed(), c.expected(), c.message(), now));
        }
        spark.createDataFrame(rows, schema).write().insertInto(LakeTables.CHECK_RESULTS);
    }

    private static String format(double v) {
        if (Double.isInfinite(v)) {
            return "∞";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
