package dev.noexcuses.enricher.enrich;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.EventEnvelope;

/** One step of the enrichment chain: adds what it knows to {@code enrichments}, may rewrite the event. */
public interface Enrichment {
    /** The name in config, metrics and failure records, e.g. {@code user-agent}. */
    String name();

    /**
     * Enriches {@code event}, writing its findings into {@code enrichments}.
     *
     * @return the event to pass on: {@code event} itself, or a rewritten copy (pseudonymisation)
     * @throws EnrichmentException when the event cannot be enriched and must go to the DLQ
     */
    EventEnvelope apply(EventEnvelope event, ObjectNode enrichments);
}
