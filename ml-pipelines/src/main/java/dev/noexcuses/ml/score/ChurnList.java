package dev.noexcuses.ml.score;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * The batch use case: the users most likely to churn, from {@code ml.churn_scores} (each user's latest score as of a
 * day), for a promotion email. Read from the lake, not from Redis: the list is as of a run, and can be rebuilt.
 */
public final class ChurnList {
    private ChurnList() {}

    /** One user of the list. */
    public record Entry(String userKey, double score, int modelVersion, Instant scoredAt, Instant featureTime,
                        String countryCode, String device) {}

    public static List<Entry> top(SparkSession spark, LocalDate day, double minScore, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("Invalid --top " + top + ": expected at least 1");
        }
        if (!(minScore >= 0 && minScore <= 1)) {
            throw new IllegalArgumentException("Invalid --min-score " + minScore + ": expected 0..1");
        }
        if (!spark.catalog().tableExists(ScoresTable.TABLE)) {
            throw new IllegalStateException(ScoresTable.TABLE + " does not exist yet: score first (./platform ml score)");
        }
        return spark.sql("SELECT user_key, score, model_version, scored_at, feature_time, country_code, device FROM ("
                        + ScoresTable.currentScores(day) + ") WHERE score >= " + String.format(Locale.ROOT, "%.6f", minScore)
                        + " ORDER BY score DESC, user_key LIMIT " + top)
                .collectAsList().stream()
                .map(r -> new Entry(r.getString(0), r.getDouble(1), r.getInt(2), r.getTimestamp(3).toInstant(),
                        r.getTimestamp(4).toInstant(), r.getString(5), r.getString(6)))
                .toList();
    }
}
