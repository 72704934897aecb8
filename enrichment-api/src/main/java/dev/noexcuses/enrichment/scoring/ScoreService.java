package dev.noexcuses.enrichment.scoring;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code POST /v1/score}: the deployed real-time model's score for one event:
 * {@code {"status": "scored", "model": ..., "version": ..., "score": 0.42}}, or
 * {@code {"status": "no_model"}} (200) while no model is deployed, so callers pass the event on unscored.
 * With {@code enrichment-api.scoring.gateway-url} set, the serving gateway scores, and the version is
 * the one its rollout sent the request to.
 */
public final class ScoreService implements HttpService {
    private final Supplier<ModelScorer> scorer;

    /** {@code scorer} is asked on every request, so a deployment can swap the model while serving. */
    public ScoreService(Supplier<ModelScorer> scorer) {
        this.scorer = requireNonNull(scorer, "scorer is null");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate().thenCompose(request -> {
            JsonNode event;
            try {
                event = Json.mapper().readTree(request.content().array());
            } catch (IOException e) {
                return CompletableFuture.completedFuture(error("Invalid JSON body: " + e.getMessage()));
            }
            if (event == null || !event.isObject()) {
                return CompletableFuture.completedFuture(error("Invalid body: expected a JSON object (the event)"));
            }
            return scorer.get().scoreEvent(event).thenApply(scored -> {
                ObjectNode answer = Json.mapper().createObjectNode();
                if (scored.isEmpty()) {
                    answer.put("status", "no_model");
                } else {
                    answer.put("status", "scored")
                            .put("model", scored.get().model())
                            .put("version", scored.get().version())
                            .put("score", scored.get().score());
                }
                return HttpResponse.ofJson(answer);
            });
        }));
    }

    private static HttpResponse error(String message) {
        return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.JSON_UTF_8,
                Json.toText(Json.mapper().createObjectNode().put("error", message)));
    }
}
