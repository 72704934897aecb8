package dev.noexcuses.alerting.state;

import java.time.Instant;

/** Where one alert (a rule and a group) stands now. {@code acknowledgedBy} is null until someone acknowledges it. */
public record AlertState(String rule, String group, String state, Instant since, Double value, String summary,
                         Instant evaluatedAt, String acknowledgedBy, Instant acknowledgedAt) {}
