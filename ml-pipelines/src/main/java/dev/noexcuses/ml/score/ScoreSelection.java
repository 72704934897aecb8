package dev.noexcuses.ml.score;

import java.sql.Timestamp;
import java.time.Instant;

/**
 * The watermark of batch scoring: a user is scored again only when the features it was scored from were rebuilt
 * since (their build time passed the one the last score used), or when another model version scored it (the
 * champion changed), or when it was never scored. Everyone else keeps the last score, so a daily run scores the
 * users whose days changed, not the whole population.
 */
public final class ScoreSelection {
    private ScoreSelection() {}

    /**
     * @param previousVersion the model version of the user's last score, null when never scored
     * @param previousBuiltAt the build time of the features the last score used
     * @param currentBuiltAt the build time of the user's current features
     * @param champion the version about to score
     */
    public static boolean needsScore(Integer previousVersion, Instant previousBuiltAt, Instant currentBuiltAt,
                                     int champion) {
        if (previousVersion == null || previousBuiltAt == null) {
            return true;
        }
        if (previousVersion != champion) {
            return true;
        }
        return currentBuiltAt != null && currentBuiltAt.isAfter(previousBuiltAt);
    }

    /** The same, as Spark calls it (registered as the SQL function {@code needs_score}). */
    static Boolean needsScore(Integer previousVersion, Timestamp previousBuiltAt, Timestamp currentBuiltAt, Integer champion) {
        return needsScore(previousVersion, previousBuiltAt == null ? null : previousBuiltAt.toInstant(),
                currentBuiltAt == null ? null : currentBuiltAt.toInstant(), champion);
    }
}
