package dev.noexcuses.common.event;

import java.time.Instant;

/** What the collector knows about an event's arrival, added to every event it accepts. */
public record CollectorMetadata(
        Instant receivedAt,
        String collectorHost,
        String requestId,
        String clientIp,
        String userAgent,
        String authenticatedSource,
        String transport) {}
