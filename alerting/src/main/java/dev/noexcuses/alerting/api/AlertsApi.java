package dev.noexcuses.alerting.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.alerting.AlertEvaluator;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.alerting.state.Silence;
import dev.noexcuses.common.json.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The JSON API the console and scripts use: {@code GET /api/alerts} (rules, alerts, silences, the last
 * evaluation), {@code GET /api/alerts/history}, {@code POST /api/alerts/silence} and
 * {@code POST /api/alerts/acknowledge} (JSON bodies).
 */
@Blocking
public final class AlertsApi {
    private final AlertEvaluator evaluator;
    private final AlertStore store;
    private final Clock clock;

    public AlertsApi(AlertEvaluator evaluator, AlertStore store, Clock clock) {
        this.evaluator = requireNonNull(evaluator, "evaluator is null");
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Get("/api/alerts")
    public HttpResponse overview() {
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode rules = out.putArray("rules");
        for (AlertRule r : evaluator.rules()) {
            rules.addObject().put("name", r.name()).put("kind", r.kind().configName()).put("description", r.describe())
                    .put("window", r.window().toString()).put("threshold", r.threshold()).put("min_events", r.minEvents())
                    .put("for", r.pendingFor().toString());
        }
        out.set("alerts", Json.mapper().valueToTree(store.states()));
        out.set("silences", Json.mapper().valueToTree(store.activeSilences(clock.instant())));
        out.set("notifications", Json.mapper().valueToTree(store.notificationCounts()));
        out.set("last_evaluation", Json.mapper().valueToTree(evaluator.last()));
        return json(HttpStatus.OK, out);
    }

    @Get("/api/alerts/history")
    public HttpResponse history(@Param("rule") Optional<String> rule, @Param("limit") @Default("100") int limit) {
        return json(HttpStatus.OK, Json.mapper().createObjectNode()
                .set("history", Json.mapper().valueToTree(store.history(rule.filter(r -> !r.isBlank()), Math.min(limit, 1000)))));
    }

    /** Body: {@code {"rule": "...", "group": "*" or one group, "duration": "1h", "by": "...", "reason": "..."}}. */
    @Post("/api/alerts/silence")
    public HttpResponse silence(AggregatedHttpRequest request) {
        JsonNode body = body(request);
        String rule = body.path("rule").asText("");
        if (evaluator.rules().stream().noneMatch(r -> r.name().equals(rule))) {
            return error(HttpStatus.BAD_REQUEST, "Unknown rule '" + rule + "'");
        }
        Duration duration;
        try {
            duration = Duration.parse("PT" + body.path("duration").asText("1h").toUpperCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            return error(HttpStatus.BAD_REQUEST, "Invalid duration '" + body.path("duration").asText()
                    + "': expected e.g. 30m, 2h, 1h30m");
        }
        Instant now = clock.instant();
        Silence s = store.silence(rule, body.path("group").asText(Silence.ALL_GROUPS), now.plus(duration),
                body.path("by").asText("api"), body.path("reason").asText(""), now);
        return json(HttpStatus.OK, Json.mapper().valueToTree(s));
    }

    /** Body: {@code {"rule": "...", "group": "...", "by": "..."}}. */
    @Post("/api/alerts/acknowledge")
    public HttpResponse acknowledge(AggregatedHttpRequest request) {
        JsonNode body = body(request);
        boolean done = store.acknowledge(body.path("rule").asText(""), body.path("group").asText(""),
                body.path("by").asText("api"), clock.instant());
        return done ? json(HttpStatus.OK, Json.mapper().createObjectNode().put("acknowledged", true))
                : error(HttpStatus.NOT_FOUND, "No pending or firing alert " + body.path("rule").asText("") + " / "
                        + body.path("group").asText(""));
    }

    private static JsonNode body(AggregatedHttpRequest request) {
        try {
            JsonNode node = Json.mapper().readTree(request.contentUtf8());
            return node == null ? Json.mapper().createObjectNode() : node;
        } catch (Exception e) {
            throw new IllegalArgumentException("Invalid JSON body: " + e.getMessage());
        }
    }

    private static HttpResponse json(HttpStatus status, JsonNode body) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    private static HttpResponse error(HttpStatus status, String message) {
        return json(status, Json.mapper().createObjectNode().put("error", message));
    }
}
