package dev.noexcuses.common.event;

import java.util.List;

/** The four topics of the data path. Partitions and replication come from configuration. */
public final class Topics {
    public static final String RAW = "events.raw";
    public static final String RAW_DLQ = "events.raw.dlq";
    public static final String ENRICHED = "events.enriched";
    public static final String ENRICHED_DLQ = "events.enriched.dlq";

    public static final List<String> ALL = List.of(RAW, RAW_DLQ, ENRICHED, ENRICHED_DLQ);

    private Topics() {}
}
