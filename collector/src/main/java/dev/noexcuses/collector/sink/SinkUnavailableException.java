package dev.noexcuses.collector.sink;

/** Kafka did not acknowledge in time: the caller answers "unavailable, retry later". */
public final class SinkUnavailableException extends Exception {
    public SinkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
