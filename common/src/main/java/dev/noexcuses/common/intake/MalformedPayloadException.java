package dev.noexcuses.common.intake;

/** A request body (or a replayed payload) that is not events in the format it claims. */
public final class MalformedPayloadException extends Exception {
    public MalformedPayloadException(String message) {
        super(message);
    }
}
