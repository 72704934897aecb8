package dev.noexcuses.alerting.state;

import java.time.Instant;

/** One transition of an alert: to pending, firing or resolved. */
public record HistoryEntry(long id, String rule, String group, String state, Instant at, Double value, String summary) {}
