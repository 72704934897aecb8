package dev.noexcuses.console.failed;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.search.SearchClient;
import dev.noexcuses.console.web.JsonResponses;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Failed events: searched in OpenSearch's failed-event indices (by failure type, schema, error
 * path and time), each with its errors and payload as indexed there (pseudonymised by the
 * loaders); chosen ones are replayed to {@code events.raw} from the dead-letter topic.
 */
public final class FailedEventsApi {
    /** Only failures of the enricher can be replayed to events.raw: the collector's never passed its checks. */
    static final String REPLAYABLE_COMPONENT = "enricher";
    static final int MAX_REPLAY = 500;

    private final Optional<SearchClient> search;
    private final String failedIndices;
    private final FailureReplayer replayer;

    public FailedEventsApi(Optional<SearchClient> search, String failedIndices, Config config) {
        this.search = requireNonNull(search, "search is null");
        this.failedIndices = requireNonNull(failedIndices, "failedIndices is null");
        this.replayer = new FailureReplayer(config);
    }

    @Get("/api/failed")
    @Blocking
    public HttpResponse find(@Param("type") @Default("") String type, @Param("schema") @Default("") String schema,
                             @Param("path") @Default("") String path, @Param("from") @Default("") String from,
                             @Param("to") @Default("") String to, @Param("size") @Default("50") int size) {
        if (search.isEmpty()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false)
                    .put("message", "No search cluster configured: set opensearch.url"));
        }
        ArrayNode filters = Json.mapper().createArrayNode();
        if (!type.isBlank()) {
            filters.addObject().putObject("term").put("failure_type", type.trim());
        }
        if (!schema.isBlank()) {
            // The schema is inside the payload, which is indexed as text.
            filters.addObject().putObject("match_phrase").put("payload", schema.trim());
        }
        if (!path.isBlank()) {
            filters.addObject().putObject("wildcard").putObject("errors.path").put("value", "*" + path.trim() + "*");
        }
        if (!from.isBlank() || !to.isBlank()) {
            ObjectNode range = filters.addObject().putObject("range").putObject("failed_at");
            try {
                if (!from.isBlank()) {
                    range.put("gte", Instant.parse(from.trim()).toString());
                }
                if (!to.isBlank()) {
                    range.put("lte", Instant.parse(to.trim()).toString());
                }
            } catch (DateTimeParseException e) {
                return JsonResponses.error(HttpStatus.BAD_REQUEST,
                        "Invalid time '" + e.getParsedString() + "': expected an ISO instant such as 2026-12-01T10:00:00Z");
            }
        }
        ObjectNode query = Json.mapper().createObjectNode().put("size", Math.max(1, Math.min(size, 200)))
                .put("track_total_hits", true);
        query.putArray("sort").addObject().put("failed_at", "desc");
        query.putObject("query").putObject("bool").set("filter", filters);
        ObjectNode aggs = query.putObject("aggs");
        aggs.putObject("types").putObject("terms").put("field", "failure_type").put("size", 20);
        aggs.putObject("components").putObject("terms").put("field", "component").put("size", 20);
        JsonNode result = search.get().search(failedIndices, query);

        ObjectNode out = JsonResponses.object().put("available", true)
                .put("total", result.path("hits").path("total").path("value").asLong());
        ObjectNode types = out.putObject("by_type");
        result.path("aggregations").path("types").path("buckets")
                .forEach(b -> types.put(b.path("key").asText(), b.path("doc_count").asLong()));
        ObjectNode components = out.putObject("by_component");
        result.path("aggregations").path("components").path("buckets")
                .forEach(b -> components.put(b.path("key").asText(), b.path("doc_count").asLong()));
        ArrayNode records = out.putArray("records");
        for (JsonNode hit : result.path("hits").path("hits")) {
            JsonNode s = hit.path("_source");
            ObjectNode r = records.addObject();
            r.put("failure_id", s.path("failure_id").asText());
            r.put("failure_type", s.path("failure_type").asText());
            r.put("component", s.path("component").asText());
            r.put("event_id", s.path("event_id").asText(""));
            r.put("failed_at", s.path("failed_at").asText());
            r.set("errors", s.path("errors"));
            r.put("payload", s.path("payload").asText(""));
            r.put("payload_encoding", s.path("payload_encoding").asText(""));
            r.put("schema", schemaOf(s.path("payload").asText("")));
            r.put("replayable", REPLAYABLE_COMPONENT.equals(s.path("component").asText())
                    && !s.path("payload_truncated").asBoolean(false));
        }
        return JsonResponses.ok(out);
    }

    /** The request body: {@code {"failure_ids": [...]}}. */
    record ReplayRequest(List<String> failureIds) {}

    @Post("/api/failed/replay")
    @Blocking
    public HttpResponse replay(String body) {
        if (search.isEmpty()) {
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "No search cluster configured: set opensearch.url");
        }
        ReplayRequest request;
        try {
            request = Json.mapper().readValue(body, ReplayRequest.class);
        } catch (java.io.IOException e) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, "Expected {\"failure_ids\": [...]}: " + e.getMessage());
        }
        List<String> ids = request.failureIds() == null ? List.of() : request.failureIds().stream().distinct().toList();
        if (ids.isEmpty() || ids.size() > MAX_REPLAY) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST,
                    "Choose between 1 and " + MAX_REPLAY + " failed events to replay (got " + ids.size() + ")");
        }
        ObjectNode query = Json.mapper().createObjectNode().put("size", ids.size());
        query.putArray("_source").add("failure_id").add("component").add("failed_at").add("payload_truncated");
        ArrayNode terms = query.putObject("query").putObject("terms").putArray("failure_id");
        ids.forEach(terms::add);
        JsonNode found = search.get().search(failedIndices, query);

        Map<String, FailureReplayer.Outcome> outcomes = new LinkedHashMap<>();
        Map<String, Instant> replayable = new LinkedHashMap<>();
        for (JsonNode hit : found.path("hits").path("hits")) {
            JsonNode s = hit.path("_source");
            String id = s.path("failure_id").asText();
            if (REPLAYABLE_COMPONENT.equals(s.path("component").asText())) {
                replayable.put(id, Instant.parse(s.path("failed_at").asText()));
            } else {
                outcomes.put(id, new FailureReplayer.Outcome(id, "not_replayable", "rejected by the "
                        + s.path("component").asText() + ": send the corrected event through the collector again",
                        null, null));
            }
        }
        outcomes.putAll(replayer.replay(Topics.ENRICHED_DLQ, replayable));
        for (String id : ids) {
            outcomes.putIfAbsent(id, new FailureReplayer.Outcome(id, "not_found", "no such failed event", null, null));
        }
        ObjectNode out = JsonResponses.object().put("requested", ids.size())
                .put("replayed", outcomes.values().stream().filter(o -> o.status().equals("replayed")).count())
                .put("topic", Topics.RAW);
        out.set("outcomes", Json.mapper().valueToTree(ids.stream().map(outcomes::get).toList()));
        return JsonResponses.ok(out);
    }

    private static String schemaOf(String payload) {
        try {
            JsonNode event = Json.mapper().readTree(payload);
            return event != null && event.isObject() ? event.path("schema").asText("") : "";
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }
}
