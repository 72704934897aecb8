package dev.noexcuses.collector.intake;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who sent a request and how: the part of the collector metadata that is the same for a whole batch.
 *
 * @param writeKeyFingerprint the presented key's fingerprint ("none" without one), kept in failed-event
 *     records so {@code replay-dlq} can check the event against what that key may send today
 */
public record RequestInfo(
        String requestId,
        Instant receivedAt,
        String clientIp,
        String userAgent,
        String transport,
        Set<String> allowedSources,
        String writeKeyFingerprint) {

    public RequestInfo {
        allowedSources = allowedSources == null ? Set.of() : Set.copyOf(allowedSources);
    }

    /** Context stored with a failed-event record. */
    public Map<String, String> failureContext() {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("request_id", requestId);
        context.put("transport", transport);
        if (clientIp != null) {
            context.put("client_ip", clientIp);
        }
        if (userAgent != null) {
            context.put("user_agent", userAgent);
        }
        if (writeKeyFingerprint != null) {
            context.put("write_key", writeKeyFingerprint);
        }
        return context;
    }
}
