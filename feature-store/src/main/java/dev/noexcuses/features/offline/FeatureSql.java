package dev.noexcuses.features.offline;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Spark SQL of a view's feature rows for a block of days. Each entity with a source row in the longest
 * window before a day gets one row for that day, with the values as of the day's end: its feature time is the
 * next midnight UTC, so a value is never used before the whole day it summarises is over. The source is read
 * once per block, as one row per entity and day (the daily aggregations), so memory follows the window and the
 * block, not the history.
 */
final class FeatureSql {
    private FeatureSql() {}

    static String rows(FeatureView view, LocalDate first, LocalDate last) {
        String key = view.entity().joinKey();
        String day = view.source().dayColumn();
        int longest = view.longestWindow();
        List<String> daily = new ArrayList<>();
        view.aggregations().forEach((name, aggregation) -> daily.add(aggregation.sql() + " AS agg_" + name));
        List<String> windowed = new ArrayList<>();
        List<String> outer = new ArrayList<>();
        for (Feature f : view.features()) {
            if (f.computation() instanceof Feature.WindowSum w) {
                windowed.add(windowSum(w.aggregation(), w.windowDays(), f) + " AS " + f.name());
                outer.add(f.name());
            } else if (f.computation() instanceof Feature.DaysSinceActivity) {
                windowed.add("CAST(datediff(t.feature_date, max(d.day)) AS BIGINT) AS " + f.name());
                outer.add(f.name());
            } else if (f.computation() instanceof Feature.Rate r) {
                String num = "w_" + r.numerator() + "_" + r.windowDays();
                String den = "w_" + r.denominator() + "_" + r.windowDays();
                windowed.add("CAST(coalesce(sum(CASE WHEN d.day > date_sub(t.feature_date, " + r.windowDays()
                        + ") THEN d.agg_" + r.numerator() + " END), 0) AS DOUBLE) AS " + num);
                windowed.add("CAST(coalesce(sum(CASE WHEN d.day > date_sub(t.feature_date, " + r.windowDays()
                        + ") THEN d.agg_" + r.denominator() + " END), 0) AS DOUBLE) AS " + den);
                String ratio = "least(greatest(" + num + " / " + den + ", 0D), 1D)";
                outer.add("CASE WHEN " + den + " > 0 THEN " + (r.complement() ? "1D - " + ratio : ratio) + " END AS "
                        + f.name());
            }
        }
        return """
                WITH daily AS (
                  SELECT %1$s AS entity, %2$s AS day, %3$s
                  FROM %4$s
                  WHERE %2$s BETWEEN DATE '%5$s' AND DATE '%6$s' AND %1$s IS NOT NULL
                  GROUP BY %1$s, %2$s),
                targets AS (SELECT explode(sequence(DATE '%7$s', DATE '%6$s')) AS feature_date),
                windowed AS (
                  SELECT d.entity, t.feature_date, %8$s
                  FROM daily d JOIN targets t ON d.day BETWEEN date_sub(t.feature_date, %9$d) AND t.feature_date
                  GROUP BY d.entity, t.feature_date)
                SELECT entity AS %1$s, feature_date, CAST(date_add(feature_date, 1) AS TIMESTAMP) AS feature_time,
                       %10$s
                FROM windowed
                """.formatted(key, day, String.join(",\n         ", daily), view.source().name(),
                first.minusDays(longest - 1), last, first, String.join(",\n         ", windowed), longest - 1,
                String.join(",\n       ", outer));
    }

    private static String windowSum(String aggregation, int windowDays, Feature f) {
        String zero = f.type().sqlType().equals("DOUBLE") ? "0D" : "0L";
        return "CAST(coalesce(sum(CASE WHEN d.day > date_sub(t.feature_date, " + windowDays + ") THEN d.agg_"
                + aggregation + " END), " + zero + ") AS " + f.type().sqlType() + ")";
    }

    /** {@code DATE 'a', DATE 'b'} */
    static String dateList(List<LocalDate> days) {
        return days.stream().map(d -> "DATE '" + d + "'").collect(Collectors.joining(", "));
    }
}
