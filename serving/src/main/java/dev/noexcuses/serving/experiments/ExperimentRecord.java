package dev.noexcuses.serving.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** An experiment as stored: its spec (JSON), state, versions, the rollout carrying it and the decision. */
public record ExperimentRecord(String name, String model, JsonNode spec, String state, String controlVersion,
                               String treatmentVersion, Long rolloutId, Instant startedAt, Instant plannedEnd,
                               Instant stoppedAt, String decision, JsonNode detail) {
    public boolean running() {
        return state.equals("running");
    }
}
