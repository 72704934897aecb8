package dev.noexcuses.alerting.state;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The life of one alert (a rule and a group): a condition that starts to hold makes it pending; once it
 * has held for the rule's {@code for}, it fires (at once when {@code for} is 0); when it stops holding,
 * the alert is resolved. Only firing and resolving a fired alert are announced.
 */
final class AlertStateMachine {
    static final String PENDING = "pending";
    static final String FIRING = "firing";
    static final String RESOLVED = "resolved";

    /** Where an alert moves to, and since when. */
    record Move(String state, Instant since, boolean announced) {}

    private AlertStateMachine() {}

    /**
     * @param current the alert's state, or empty when it never existed
     * @param since   when it entered {@code current}
     * @return the move, or empty when the alert stays where it is
     */
    static Optional<Move> next(Optional<String> current, Instant since, boolean breaching, Duration pendingFor,
                               Instant now) {
        String state = current.orElse(RESOLVED);
        if (breaching) {
            return switch (state) {
                case RESOLVED -> Optional.of(pendingFor.isZero() ? new Move(FIRING, now, true) : new Move(PENDING, now, false));
                case PENDING -> Duration.between(since, now).compareTo(pendingFor) >= 0
                        ? Optional.of(new Move(FIRING, now, true)) : Optional.empty();
                default -> Optional.empty();
            };
        }
        return switch (state) {
            case PENDING -> Optional.of(new Move(RESOLVED, now, false));
            case FIRING -> Optional.of(new Move(RESOLVED, now, true));
            default -> Optional.empty();
        };
    }
}
