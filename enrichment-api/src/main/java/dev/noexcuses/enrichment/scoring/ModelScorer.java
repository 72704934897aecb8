package dev.noexcuses.enrichment.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** The real-time model deployed behind {@code POST /v1/score}, if any. */
public interface ModelScorer {
    /** The deployed model's name and version; empty when no model is deployed. */
    Optional<ModelInfo> model();

    /** Scores one event with the deployed model; call only when {@link #model()} is present. */
    double score(JsonNode event);

    record ModelInfo(String name, String version) {}

    /** What answers until the MLOps pipeline deploys a model. */
    static ModelScorer none() {
        return new ModelScorer() {
            @Override
            public Optional<ModelInfo> model() {
                return Optional.empty();
            }

            @Override
            public double score(JsonNode event) {
                throw new IllegalStateException("No model is deployed");
            }
        };
    }
}
