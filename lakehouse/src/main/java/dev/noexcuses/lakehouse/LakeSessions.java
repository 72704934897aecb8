package dev.noexcuses.lakehouse;

import org.apache.spark.sql.SparkSession;

/**
 * Where a job gets its Spark session and gives it back: a session of its own, stopped with the job (a job
 * JVM), or the job host's long-lived one, lent for the job and reset after it ({@code host.SharedSession}).
 */
public interface LakeSessions {
    /** A session of the job's own, started with the job's settings and stopped when it is given back. */
    LakeSessions OWN = new LakeSessions() {
        @Override
        public SparkSession open(JobSettings settings, String appName) {
            return LakeSession.open(settings, appName);
        }

        @Override
        public void release(SparkSession spark) {
            spark.stop();
        }
    };

    /** The session a job with {@code settings} runs on. */
    SparkSession open(JobSettings settings, String appName);

    /** Gives back the session {@link #open} returned, when the job ends (also when it failed). */
    void release(SparkSession spark);
}
