package dev.noexcuses.enricher.replay;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.failure.FailureType;
import java.time.Instant;
import java.util.Optional;

/**
 * Which failed events to re-submit: those in {@code fromTopic} (a DLQ) of {@code failureType} (any
 * when empty) that failed at or after {@code since} (any time when empty), to {@code toTopic}.
 */
public record ReplayRequest(String fromTopic, String toTopic, Optional<FailureType> failureType,
                            Optional<Instant> since) {
    public ReplayRequest {
        requireNonNull(fromTopic, "fromTopic is null");
        requireNonNull(toTopic, "toTopic is null");
        requireNonNull(failureType, "failureType is null");
        requireNonNull(since, "since is null");
        if (fromTopic.equals(toTopic)) {
            throw new IllegalArgumentException("Invalid replay: from and to are the same topic " + fromTopic);
        }
    }
}
