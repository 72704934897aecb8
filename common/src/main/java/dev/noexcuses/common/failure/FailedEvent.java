package dev.noexcuses.common.failure;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The one failed-event format of the platform, written to the dead-letter topics. It keeps the
 * original payload untouched: as text when it was valid UTF-8 text, otherwise base64.
 *
 * @param failureId this record's own id (its document id in search indices)
 * @param eventId the event's id when one could be read, else null
 * @param payload the original payload, possibly cut to its first bytes for {@link FailureType#SIZE}
 * @param payloadEncoding {@code utf8} or {@code base64}
 * @param payloadTruncated whether {@code payload} holds only the first bytes of the original
 * @param context what else is known: request id, client IP, source, topic and offset
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FailedEvent(
        String failureId,
        FailureType failureType,
        String component,
        List<FailureError> errors,
        String eventId,
        String payload,
        String payloadEncoding,
        boolean payloadTruncated,
        Instant failedAt,
        java.util.Map<String, String> context) {

    public static final String UTF8 = "utf8";
    public static final String BASE64 = "base64";

    public FailedEvent {
        requireNonNull(failureId, "failureId is null");
        requireNonNull(failureType, "failureType is null");
        requireNonNull(component, "component is null");
        errors = List.copyOf(errors);
        requireNonNull(payloadEncoding, "payloadEncoding is null");
        requireNonNull(failedAt, "failedAt is null");
        context = context == null ? java.util.Map.of() : java.util.Map.copyOf(context);
    }

    /** A failed record for a payload that was text (JSON, CSV line). */
    public static FailedEvent ofText(FailureType type, String component, List<FailureError> errors, String eventId,
                                     String payload, Instant failedAt, java.util.Map<String, String> context) {
        return new FailedEvent(UUID.randomUUID().toString(), type, component, errors, eventId, payload, UTF8, false,
                failedAt, context);
    }

    /**
     * A failed record for raw bytes, kept as text when they are valid UTF-8, else base64;
     * at most {@code maxBytes} of them are kept.
     */
    public static FailedEvent ofBytes(FailureType type, String component, List<FailureError> errors, String eventId,
                                      byte[] payload, int maxBytes, Instant failedAt,
                                      java.util.Map<String, String> context) {
        return of(type, component, errors, eventId, payload, maxBytes, failedAt, context, false);
    }

    /** A failed record for a binary payload (protobuf): always base64, at most {@code maxBytes} kept. */
    public static FailedEvent ofBinary(FailureType type, String component, List<FailureError> errors, String eventId,
                                       byte[] payload, int maxBytes, Instant failedAt,
                                       java.util.Map<String, String> context) {
        return of(type, component, errors, eventId, payload, maxBytes, failedAt, context, true);
    }

    private static FailedEvent of(FailureType type, String component, List<FailureError> errors, String eventId,
                                  byte[] payload, int maxBytes, Instant failedAt, java.util.Map<String, String> context,
                                  boolean binary) {
        boolean truncated = payload.length > maxBytes;
        byte[] kept = truncated ? java.util.Arrays.copyOf(payload, maxBytes) : payload;
        String text = binary ? null : Utf8.decodeStrict(kept);
        String encoding = text != null ? UTF8 : BASE64;
        String body = text != null ? text : Base64.getEncoder().encodeToString(kept);
        return new FailedEvent(UUID.randomUUID().toString(), type, component, errors, eventId, body, encoding,
                truncated, failedAt, context);
    }

    /** The original payload's bytes (as kept). */
    public byte[] payloadBytes() {
        if (payload == null) {
            return new byte[0];
        }
        return BASE64.equals(payloadEncoding) ? Base64.getDecoder().decode(payload)
                : payload.getBytes(StandardCharsets.UTF_8);
    }
}
