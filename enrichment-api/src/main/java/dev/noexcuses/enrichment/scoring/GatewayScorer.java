package dev.noexcuses.enrichment.scoring;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.json.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores events with the model the serving gateway serves under {@code model}: whichever version the
 * gateway's rollout sends this request to, and that version is what the answer names. While the
 * gateway has no such model (404) or cannot answer, events pass unscored ("no model"), counted, never
 * failed: scoring is an extra, not a reason to send an event to the dead-letter topic.
 */
public final class GatewayScorer implements ModelScorer {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayScorer.class);

    private final WebClient client;
    private final String model;
    private final Counter unavailable;

    public GatewayScorer(String gatewayUrl, String model, Duration timeout, MeterRegistry meters) {
        requireNonNull(gatewayUrl, "gatewayUrl is null");
        this.model = requireNonNull(model, "model is null");
        this.client = WebClient.builder(gatewayUrl).responseTimeout(timeout).build();
        this.unavailable = Counter.builder("enrichment_api_scoring_unavailable")
                .description("Events answered no_model because the serving gateway had no model or failed")
                .register(meters);
    }

    @Override
    public Optional<ModelInfo> model() {
        return Optional.of(new ModelInfo(model, "served by the gateway"));
    }

    @Override
    public double score(JsonNode event) {
        return scoreEvent(event).join().orElseThrow(() -> new IllegalStateException("The gateway has no model " + model))
                .score();
    }

    @Override
    public CompletableFuture<Optional<Scored>> scoreEvent(JsonNode event) {
        byte[] body = Json.toBytes(Map.of("features", EventFeatures.of(event)));
        return client.execute(HttpRequest.of(HttpMethod.POST, "/v1/models/" + model + "/predict", MediaType.JSON_UTF_8, body))
                .aggregate()
                .handle((res, failure) -> {
                    if (failure != null || !res.status().isSuccess()) {
                        unavailable.increment();
                        if (failure != null || res.status().code() != 404) {
                            LOG.debug("Serving gateway could not score: {}", failure != null ? failure.toString()
                                    : res.status() + " " + res.contentUtf8());
                        }
                        return Optional.empty();
                    }
                    try {
                        JsonNode answer = Json.mapper().readTree(res.contentUtf8());
                        return Optional.of(new Scored(model, answer.path("version").asText(), answer.path("score").asDouble()));
                    } catch (java.io.IOException e) {
                        unavailable.increment();
                        return Optional.empty();
                    }
                });
    }
}
