package dev.noexcuses.serving.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One rollout as stored: its state ({@code progressing}, {@code paused}, {@code promoted},
 * {@code aborted}, {@code rolled_back}, {@code failed}), where it is, the traffic share of the
 * candidate, the reason it ended, and its detail (analyses per step with their values, the shadow
 * comparison, measured downtime, events).
 */
public record RolloutRecord(long id, String model, String strategy, String state, String phase, int step,
                            int candidatePercent, String stableVersion, String candidateVersion, String reason,
                            JsonNode spec, JsonNode detail, Instant createdAt, Instant updatedAt, Instant finishedAt) {
    public boolean active() {
        return state.equals("progressing") || state.equals("paused");
    }
}
