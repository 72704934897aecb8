package dev.noexcuses.alerting.rule;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a rule watches; each kind is one OpenSearch query (see {@code search.RuleQueries}). */
public enum RuleKind {
    DLQ_SHARE,
    VOLUME_DROP,
    SILENT_SOURCE,
    SCHEMA_VIOLATION_SPIKE,
    SEARCHABLE_LATENCY;

    /** The name used in configuration, e.g. {@code dlq-share}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RuleKind parse(String text) {
        return Arrays.stream(values()).filter(k -> k.configName().equals(text.trim())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Invalid alert rule kind '" + text + "': expected one of "
                        + Arrays.stream(values()).map(RuleKind::configName).collect(Collectors.joining(", "))));
    }
}
