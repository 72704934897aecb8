package dev.noexcuses.orchestrator.run;

import java.time.Instant;

/** A task within one run: its state, the attempts it has had ({@code tryNumber}) and may have. */
public record TaskInstance(long runId, String taskId, String state, int tryNumber, int maxTries, Instant nextTryAt) {
    boolean terminal() {
        return state.equals("success") || state.equals("failed") || state.equals("upstream_failed");
    }
}
