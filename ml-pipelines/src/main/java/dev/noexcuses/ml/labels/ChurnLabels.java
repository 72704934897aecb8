package dev.noexcuses.ml.labels;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The churn definition: a user with a session in the {@value #ACTIVE_DAYS} days up to and including a cut-off day
 * who has no session in the {@value #HORIZON_DAYS} days after it has churned (label 1). The label time is the end
 * of the cut-off day, the feature time of that day's feature rows, so a training set sees exactly what was known
 * when the day was over. Several cut-offs, a week apart, make the training rows; the latest is the holdout.
 */
public final class ChurnLabels {
    public static final int ACTIVE_DAYS = 30;
    public static final int HORIZON_DAYS = 14;
    /** Cut-offs need at least this many days of history before them for their 7-day features to mean anything. */
    static final int MIN_LOOKBACK_DAYS = 7;

    private ChurnLabels() {}

    /**
     * The cut-offs over the history {@code firstDay..lastCompleteDay}: the latest one whose whole horizon is known
     * ({@code lastCompleteDay - 14}), then every {@code everyDays} back, at most {@code count}, none earlier than a
     * week after the first day. Oldest first.
     *
     * @throws IllegalArgumentException when the history is too short for two cut-offs (one to train, one to test)
     */
    public static List<LocalDate> cutOffs(LocalDate firstDay, LocalDate lastCompleteDay, int count, int everyDays) {
        if (count < 2) {
            throw new IllegalArgumentException("Invalid cut-off count " + count + ": expected at least 2 (training and holdout)");
        }
        if (everyDays < 1) {
            throw new IllegalArgumentException("Invalid cut-off spacing " + everyDays + " days: expected at least 1");
        }
        LocalDate latest = lastCompleteDay.minusDays(HORIZON_DAYS);
        LocalDate earliest = firstDay.plusDays(MIN_LOOKBACK_DAYS - 1);
        List<LocalDate> cuts = new ArrayList<>();
        for (LocalDate c = latest; !c.isBefore(earliest) && cuts.size() < count; c = c.minusDays(everyDays)) {
            cuts.add(0, c);
        }
        if (cuts.size() < 2) {
            throw new IllegalArgumentException("The lake's history " + firstDay + ".." + lastCompleteDay + " is too short "
                    + "for churn labels: two cut-offs " + everyDays + " days apart need " + (MIN_LOOKBACK_DAYS + everyDays
                    + HORIZON_DAYS) + " complete days (" + MIN_LOOKBACK_DAYS + " before the first, " + HORIZON_DAYS
                    + " after the last to see who came back). Produce more history (./platform produce --history 60d)");
        }
        return List.copyOf(cuts);
    }

    /**
     * The label rows of the cut-offs from {@code sessionsTable} ({@code curated.sessions}): {@code user_key},
     * {@code label_time} (the end of the cut-off day), {@code cut_off}, {@code label} (1 churned, 0 stayed).
     */
    public static String sql(String sessionsTable, List<LocalDate> cutOffs) {
        String cuts = cutOffs.stream().map(d -> "DATE '" + d + "'").collect(Collectors.joining(", "));
        return """
                WITH cut AS (SELECT explode(array(%1$s)) AS cut_off),
                active AS (
                  SELECT DISTINCT c.cut_off, s.user_key FROM %2$s s JOIN cut c
                    ON s.event_date BETWEEN date_sub(c.cut_off, %3$d) AND c.cut_off
                  WHERE s.user_key IS NOT NULL),
                returned AS (
                  SELECT DISTINCT c.cut_off, s.user_key FROM %2$s s JOIN cut c
                    ON s.event_date BETWEEN date_add(c.cut_off, 1) AND date_add(c.cut_off, %4$d)
                  WHERE s.user_key IS NOT NULL)
                SELECT a.user_key, CAST(date_add(a.cut_off, 1) AS TIMESTAMP) AS label_time, a.cut_off,
                       CASE WHEN r.user_key IS NULL THEN 1 ELSE 0 END AS label
                FROM active a LEFT JOIN returned r ON a.cut_off = r.cut_off AND a.user_key = r.user_key
                """.formatted(cuts, sessionsTable, ACTIVE_DAYS - 1, HORIZON_DAYS);
    }
}
