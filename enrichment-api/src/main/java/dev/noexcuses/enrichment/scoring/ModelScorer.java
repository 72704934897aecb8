package dev.noexcuses.enrichment.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The real-time model deployed behind {@code POST /v1/score}, if any. */
public interface ModelScorer {
    /** The deployed model's name and version; empty when no model is deployed. */
    Optional<ModelInfo> model();

    /** Scores one event with the deployed model; call only when {@link #model()} is present. */
    double score(JsonNode event);

    /**
     * The event's score with the name and version of the model that computed it, or empty when no model
     * answered. A scorer whose version changes from request to request (the serving gateway during a
     * rollout) overrides this.
     */
    default CompletableFuture<Optional<Scored>> scoreEvent(JsonNode event) {
        return CompletableFuture.completedFuture(model().map(m -> new Scored(m.name(), m.version(), score(event))));
    }

    record ModelInfo(String name, String version) {}

    /** One score and the model version it came from. */
    record Scored(String model, String version, double score) {}

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
