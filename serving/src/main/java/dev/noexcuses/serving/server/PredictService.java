package dev.noexcuses.serving.server;

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
import dev.noexcuses.serving.model.XgboostModel;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code POST /v1/models/{name}/predict} with {@code {"features": {"name": number, ...}}}: answers
 * {@code {"model", "version", "score"}}. Times every prediction and records the distribution of
 * scores, so a shift of what the model answers shows in its metrics.
 */
final class PredictService implements HttpService {
    private final String model;
    private final String version;
    private final XgboostModel scorer;
    private final Timer latency;
    private final DistributionSummary scores;

    PredictService(String model, String version, XgboostModel scorer, MeterRegistry meters) {
        this.model = requireNonNull(model, "model is null");
        this.version = requireNonNull(version, "version is null");
        this.scorer = requireNonNull(scorer, "scorer is null");
        this.latency = Timer.builder("model_server_prediction_latency")
                .description("Time to compute one prediction, from parsed request to score")
                .tag("model", model).tag("version", version)
                .publishPercentiles(0.5, 0.9, 0.99).publishPercentileHistogram()
                .register(meters);
        this.scores = DistributionSummary.builder("model_server_prediction_score")
                .description("Distribution of the scores this model version answered")
                .tag("model", model).tag("version", version)
                .serviceLevelObjectives(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
                .register(meters);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String name = ctx.pathParam("name");
        if (!model.equals(name)) {
            return error(HttpStatus.NOT_FOUND, "This server serves model '" + model + "', not '" + name + "'");
        }
        return HttpResponse.of(req.aggregate().thenApply(request -> {
            JsonNode body;
            try {
                body = Json.mapper().readTree(request.content().array());
            } catch (IOException e) {
                return error(HttpStatus.BAD_REQUEST, "Invalid JSON body: " + e.getMessage());
            }
            if (body == null || !body.path("features").isObject()) {
                return error(HttpStatus.BAD_REQUEST,
                        "Invalid body: expected {\"features\": {\"<feature>\": <number>, ...}}");
            }
            Map<String, Double> features = new HashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = body.get("features").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getValue().isNull()) {
                    features.put(f.getKey(), null);
                } else if (f.getValue().isNumber() || f.getValue().isBoolean()) {
                    features.put(f.getKey(), f.getValue().isBoolean() ? (f.getValue().asBoolean() ? 1.0 : 0.0)
                            : f.getValue().asDouble());
                } else {
                    return error(HttpStatus.BAD_REQUEST, "Invalid feature '" + f.getKey()
                            + "': expected a number, a boolean or null, got " + f.getValue().getNodeType());
                }
            }
            float score;
            long t0 = System.nanoTime();
            try {
                score = scorer.predict(features);
            } catch (XgboostModel.MissingFeaturesException e) {
                return error(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
            }
            latency.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
            scores.record(score);
            ObjectNode answer = Json.mapper().createObjectNode()
                    .put("model", model).put("version", version).put("score", score);
            if (body.hasNonNull("request_id")) {
                answer.put("request_id", body.get("request_id").asText());
            }
            return HttpResponse.ofJson(answer);
        }));
    }

    static HttpResponse error(HttpStatus status, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8,
                Json.toText(Json.mapper().createObjectNode().put("error", message)));
    }
}
