package dev.noexcuses.alerting.state;

import java.time.Instant;

/** Notifications of a rule's group ({@code *}: all its groups) are held back until {@code until}. */
public record Silence(long id, String rule, String group, Instant until, String createdBy, String reason, Instant createdAt) {
    public static final String ALL_GROUPS = "*";

    boolean covers(String rule, String group, Instant at) {
        return this.rule.equals(rule) && (this.group.equals(ALL_GROUPS) || this.group.equals(group)) && at.isBefore(until);
    }
}
