package dev.noexcuses.enricher.api;

/** A call to the enrichment API failed after its retries, timed out, or was refused by the open circuit. */
public final class ApiCallException extends RuntimeException {
    public ApiCallException(String message, Throwable cause) {
        super(message, cause);
    }
}
