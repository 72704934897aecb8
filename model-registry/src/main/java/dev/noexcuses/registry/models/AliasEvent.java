package dev.noexcuses.registry.models;

/**
 * One move of an alias, as recorded forever: to which version (null: removed) from which, when, who moved
 * it, who approved it (protected aliases), why, and the promotion request it carried out.
 */
public record AliasEvent(long eventId, String model, String alias, Integer version, Integer previousVersion, long at,
                         String movedBy, String approvedBy, String reason, Long requestId) {}
