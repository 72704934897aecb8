package dev.noexcuses.alerting.state;

import java.time.Instant;
import java.util.UUID;

/** A notification in the outbox, not delivered yet: its channel (e.g. {@code webhook:ops}) and JSON payload. */
public record PendingNotification(UUID id, String channel, String payload, int attempts, Instant createdAt) {}
