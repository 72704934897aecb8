package dev.noexcuses.enricher.enrich;

/** One step of the enrichment chain: adds what it knows to the event's enrichments, or rewrites fields. */
public interface Enrichment {
    /** The name in config, metrics and failure records, e.g. {@code user-agent}. */
    String name();

    /**
     * Enriches {@code event}.
     *
     * @throws EnrichmentException when the event cannot be enriched and must go to the DLQ
     */
    void apply(Event event);
}
