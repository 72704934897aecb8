package dev.noexcuses.alerting.rule;

import static java.util.Objects.requireNonNull;

/**
 * What one evaluation of a rule saw for one group (a failure type, a source, a schema; {@code "all"}
 * for rules without groups).
 *
 * @param value     the measured value, in the unit of the rule's threshold
 * @param breaching whether the rule's condition holds
 * @param summary   a sentence for people, with the numbers
 */
public record Observation(String group, double value, boolean breaching, String summary) {
    public static final String ALL = "all";

    public Observation {
        requireNonNull(group, "group is null");
        requireNonNull(summary, "summary is null");
    }
}
