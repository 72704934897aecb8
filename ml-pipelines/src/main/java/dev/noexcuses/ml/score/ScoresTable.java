package dev.noexcuses.ml.score;

import org.apache.spark.sql.SparkSession;

/**
 * {@code ml.churn_scores}: one row per user scored by a run, partitioned by the run's day ({@code run_date}); a run
 * of a day replaces that day's rows, so running a day again gives the same table. A user's current score is its row
 * of the latest day it was scored.
 */
public final class ScoresTable {
    public static final String TABLE = "ml.churn_scores";
    /** Scores older than this are not loaded into Redis nor listed (the user left long ago). */
    public static final int RETENTION_DAYS = 90;

    private ScoresTable() {}

    public static void ensure(SparkSession spark) {
        spark.sql("CREATE NAMESPACE IF NOT EXISTS ml");
        spark.sql("CREATE TABLE IF NOT EXISTS " + TABLE + " ("
                + "user_key STRING COMMENT 'user_id, else anonymous_id (as in curated.sessions and the features)', "
                + "score DOUBLE COMMENT 'probability of no visit in the 14 days after feature_time', "
                + "model_name STRING, model_version INT COMMENT 'the registry version that scored (the champion then)', "
                + "feature_time TIMESTAMP COMMENT 'when the features scored became known', "
                + "features_built_at TIMESTAMP COMMENT 'when those features were built: the scoring watermark', "
                + "scored_at TIMESTAMP, run_date DATE COMMENT 'the day of the scoring run', "
                + "run_id STRING COMMENT 'the attempt that wrote the row', "
                + "country_code STRING COMMENT 'of the user''s latest session, for the segment priors', "
                + "device STRING COMMENT 'of the user''s latest session, for the segment priors') "
                + "USING iceberg PARTITIONED BY (run_date) TBLPROPERTIES ('format-version' = '2')");
    }

    /** Each user's latest score as of {@code day} within the retention, as SQL. */
    public static String currentScores(java.time.LocalDate day) {
        return """
                SELECT * FROM (
                  SELECT s.*, row_number() OVER (PARTITION BY user_key ORDER BY run_date DESC, scored_at DESC) AS position
                  FROM %s s WHERE run_date <= DATE '%s' AND run_date > DATE '%s')
                WHERE position = 1
                """.formatted(TABLE, day, day.minusDays(RETENTION_DAYS));
    }
}
