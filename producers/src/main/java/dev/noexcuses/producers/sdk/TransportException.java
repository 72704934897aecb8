package dev.noexcuses.producers.sdk;

/**
 * A batch could not be delivered. {@link #retryable()} says whether sending the same batch again
 * can succeed (503, other 5xx, connection errors) or cannot (bad key, too large, malformed).
 */
public final class TransportException extends Exception {
    private final boolean retryable;
    private final int status;

    public TransportException(String message, boolean retryable, int status, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.status = status;
    }

    public boolean retryable() {
        return retryable;
    }

    /** HTTP status (or gRPC status code) when there was an answer, else -1. */
    public int status() {
        return status;
    }
}
