package dev.noexcuses.registry.models;

/** A request to move a protected alias to a version: pending until another user approves or rejects it. */
public record PromotionRequest(long requestId, String model, String alias, int version, String reason, String requestedBy,
                               long requestedAt, String status, String decidedBy, Long decidedAt, String comment) {}
