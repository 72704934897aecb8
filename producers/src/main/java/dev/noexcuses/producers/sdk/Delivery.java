package dev.noexcuses.producers.sdk;

import java.util.List;

/** What became of one event: accepted into the pipeline, rejected by the collector, or not delivered. */
public record Delivery(String eventId, Outcome outcome, List<String> reasons) {
    public enum Outcome {
        /** Durably in {@code events.raw}. */
        ACCEPTED,
        /** Refused by the collector's checks; it is in {@code events.raw.dlq}. */
        REJECTED,
        /** Never delivered: the collector was unreachable past the delivery timeout, or refused the batch. */
        FAILED
    }

    public Delivery {
        reasons = List.copyOf(reasons);
    }
}
