package dev.noexcuses.alerting.rule;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One alert rule from {@code alerting.rules}.
 *
 * @param window     the span of data each evaluation looks at (for silent-source: how long a source may be quiet)
 * @param days       volume-drop: trailing days whose same window is the baseline
 * @param lookback   silent-source: how far back a source counts as one that sends
 * @param threshold  the limit; its unit depends on the kind (a share 0..1, seconds)
 * @param minEvents  below this many events in the window the rule says nothing (too little data)
 * @param pendingFor how long the condition must hold before the alert fires
 */
public record AlertRule(String name, RuleKind kind, Duration window, int days, Duration lookback, double threshold,
                        long minEvents, Duration pendingFor) {
    public AlertRule {
        requireNonNull(name, "name is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(window, "window is null");
        requireNonNull(lookback, "lookback is null");
        requireNonNull(pendingFor, "pendingFor is null");
        if (name.isBlank() || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("Invalid alert rule name '" + name + "': expected letters, digits, '.', '_' or '-'");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("Invalid window of alert rule " + name + ": " + window + ", expected a positive duration");
        }
        if (pendingFor.isNegative()) {
            throw new IllegalArgumentException("Invalid 'for' of alert rule " + name + ": " + pendingFor + ", expected 0s or more");
        }
        if (kind == RuleKind.VOLUME_DROP && days < 1) {
            throw new IllegalArgumentException("Invalid days of alert rule " + name + ": " + days + ", expected 1 or more");
        }
        if ((kind == RuleKind.DLQ_SHARE || kind == RuleKind.SCHEMA_VIOLATION_SPIKE || kind == RuleKind.VOLUME_DROP)
                && (threshold <= 0 || threshold >= 1)) {
            throw new IllegalArgumentException("Invalid threshold of alert rule " + name + ": " + threshold
                    + ", expected a share between 0 and 1");
        }
    }

    /** The rules of {@code alerting.rules}; names must be unique. */
    public static List<AlertRule> fromConfig(Config alerting) {
        List<AlertRule> rules = alerting.getConfigList("rules").stream().map(AlertRule::of).toList();
        Set<String> names = new HashSet<>();
        for (AlertRule rule : rules) {
            if (!names.add(rule.name())) {
                throw new IllegalArgumentException("Two alert rules are named '" + rule.name() + "': names must be unique");
            }
        }
        return rules;
    }

    private static AlertRule of(Config c) {
        String name = c.getString("name");
        return new AlertRule(name, RuleKind.parse(c.getString("kind")), c.getDuration("window"),
                c.hasPath("days") ? c.getInt("days") : 7,
                c.hasPath("lookback") ? c.getDuration("lookback") : Duration.ofHours(24),
                c.hasPath("threshold") ? c.getDouble("threshold") : 0,
                c.hasPath("min-events") ? c.getLong("min-events") : 0,
                c.hasPath("for") ? c.getDuration("for") : Duration.ZERO);
    }

    /** What the rule says, in a line, for lists and notifications. */
    public String describe() {
        return switch (kind) {
            case DLQ_SHARE -> "failed events of one type above " + percent(threshold) + " of all events in " + human(window);
            case VOLUME_DROP -> "events of a source in " + human(window) + " below " + percent(1 - threshold)
                    + " of the same time on the " + days + " previous days";
            case SILENT_SOURCE -> "no events from a source (seen in the last " + human(lookback) + ") for " + human(window);
            case SCHEMA_VIOLATION_SPIKE -> "schema violations of one schema above " + percent(threshold) + " of its events in "
                    + human(window);
            case SEARCHABLE_LATENCY -> "p99 collector-to-indexed latency above " + threshold + " s over " + human(window);
        };
    }

    private static String percent(double share) {
        return Math.round(share * 1000) / 10.0 + "%";
    }

    static String human(Duration d) {
        if (d.toSeconds() % 3600 == 0 && d.toSeconds() > 0) {
            return d.toHours() + " h";
        }
        if (d.toSeconds() % 60 == 0 && d.toSeconds() > 0) {
            return d.toMinutes() + " min";
        }
        return d.toSeconds() + " s";
    }
}
