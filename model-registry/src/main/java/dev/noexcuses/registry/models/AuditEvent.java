package dev.noexcuses.registry.models;

/** Who did what to which model, when and why (requests, approvals, rejections, alias moves, registrations). */
public record AuditEvent(long eventId, long at, String actor, String action, String model, String alias,
                         Integer fromVersion, Integer toVersion, String reason, Long requestId) {}
