package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.api.ApiCallException;
import dev.noexcuses.enricher.api.EnrichmentApiClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The deployed real-time model's score, from the enrichment API's {@code POST /v1/score}:
 * {@code enrichments.score = {model, version, value}}. While the API answers "no model", events pass
 * unscored, and the API is asked again only after {@code noModelRecheck}, not for every event.
 */
public final class ModelScoreEnrichment implements Enrichment {
    private final EnrichmentApiClient api;
    private final Duration noModelRecheck;
    private final Clock clock;
    private volatile Instant noModelUntil = Instant.MIN;

    public ModelScoreEnrichment(EnrichmentApiClient api, Duration noModelRecheck, Clock clock) {
        this.api = requireNonNull(api, "api is null");
        this.noModelRecheck = requireNonNull(noModelRecheck, "noModelRecheck is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public String name() {
        return "model-score";
    }

    @Override
    public void apply(Event event) {
        Instant now = clock.instant();
        if (now.isBefore(noModelUntil)) {
            return;
        }
        JsonNode answer;
        try {
            answer = api.post("/v1/score", Json.toBytes(event.envelope()));
        } catch (ApiCallException e) {
            throw new EnrichmentException(name(), e.getMessage(), e);
        }
        String status = answer.path("status").asText();
        switch (status) {
            case "no_model" -> noModelUntil = now.plus(noModelRecheck);
            case "scored" -> {
                ObjectNode score = event.enrichments().putObject("score");
                score.put("model", answer.path("model").asText());
                score.put("version", answer.path("version").asText());
                score.set("value", answer.get("score"));
            }
            default -> throw new EnrichmentException(name(), "Enrichment API /v1/score answered an unknown status: "
                    + answer, null);
        }
    }
}
