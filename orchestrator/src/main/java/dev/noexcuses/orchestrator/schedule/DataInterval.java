package dev.noexcuses.orchestrator.schedule;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** The time a DAG run covers: from its logical date (inclusive) to the next schedule point (exclusive). */
public record DataInterval(Instant start, Instant end) {
    public DataInterval {
        requireNonNull(start, "start is null");
        requireNonNull(end, "end is null");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("Invalid data interval: " + start + " to " + end + " (expected end after start)");
        }
    }
}
