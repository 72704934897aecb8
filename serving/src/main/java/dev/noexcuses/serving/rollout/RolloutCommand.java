package dev.noexcuses.serving.rollout;

import java.util.Locale;

/** What an operator can tell a rollout. */
public enum RolloutCommand {
    /** The candidate takes all traffic now, whatever the analysis or the stable version's health says. */
    PROMOTE,
    /** Traffic stays as it is and the rollout does not advance until resumed. */
    PAUSE,
    RESUME,
    /** All traffic back to the stable version at once; the candidate is stopped. The rollout can be started again. */
    ABORT,
    /** Like abort for a rollout in progress; after a promotion, the previous version takes the traffic back. */
    ROLLBACK;

    public static RolloutCommand parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown rollout command '" + text
                    + "': expected promote, pause, resume, abort or rollback");
        }
    }
}
