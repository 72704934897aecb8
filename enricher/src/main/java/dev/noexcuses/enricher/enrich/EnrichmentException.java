package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

/** An enrichment could not be done for an event: the event goes to the DLQ as {@code enrichment_failure}. */
public final class EnrichmentException extends RuntimeException {
    private final String enrichment;

    public EnrichmentException(String enrichment, String message, Throwable cause) {
        super(message, cause);
        this.enrichment = requireNonNull(enrichment, "enrichment is null");
    }

    public String enrichment() {
        return enrichment;
    }
}
