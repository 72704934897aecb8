package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The online feature API: {@code GET /v1/features/{key}?features=view:feature,view} (one entity),
 * {@code POST /v1/features} with {@code {"keys": [...], "features": [...]}} (many, one round trip to Redis), and
 * {@code GET /v1/views} (the definitions). Each value comes with its age in seconds and its status.
 */
@Blocking
public final class FeatureApi {
    /** At most this many keys per POST: a bigger batch is split by the client. */
    public static final int MAX_KEYS = 1000;

    private final OnlineStore store;

    public FeatureApi(OnlineStore store) {
        this.store = requireNonNull(store, "store is null");
    }

    @Get("/v1/features/{key}")
    public HttpResponse one(@Param("key") String key, @Param("features") Optional<String> features) {
        try {
            return json(HttpStatus.OK, toJson(store.read(key, names(features.orElse("")))));
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    @Post("/v1/features")
    public HttpResponse many(AggregatedHttpRequest request) {
        JsonNode body;
        try {
            body = Json.mapper().readTree(request.contentUtf8());
        } catch (Exception e) {
            return error(HttpStatus.BAD_REQUEST, "Invalid JSON body: " + e.getMessage());
        }
        if (body == null || !body.path("keys").isArray()) {
            return error(HttpStatus.BAD_REQUEST, "Expected a body {\"keys\": [\"u-1\", ...], \"features\": [\"view:feature\", ...]}");
        }
        List<String> keys = new ArrayList<>();
        body.path("keys").forEach(k -> keys.add(k.asText()));
        if (keys.size() > MAX_KEYS) {
            return error(HttpStatus.BAD_REQUEST, keys.size() + " keys in one request: at most " + MAX_KEYS);
        }
        List<String> features = new ArrayList<>();
        body.path("features").forEach(f -> features.add(f.asText()));
        try {
            ObjectNode out = Json.mapper().createObjectNode();
            ArrayNode results = out.putArray("results");
            store.read(keys, features).forEach(r -> results.add(toJson(r)));
            return json(HttpStatus.OK, out);
        } catch (IllegalArgumentException e) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage());
        }
    }

    @Get("/v1/views")
    public HttpResponse views() {
        ObjectNode out = Json.mapper().createObjectNode();
        ArrayNode views = out.putArray("views");
        for (FeatureView v : store.registry().views()) {
            ObjectNode view = views.addObject().put("name", v.name()).put("description", v.description())
                    .put("owner", v.owner()).put("entity", v.entity().name()).put("source", v.source().name())
                    .put("ttl_seconds", v.ttl().toSeconds()).put("stale_after_seconds", v.staleAfter().toSeconds());
            ArrayNode features = view.putArray("features");
            for (Feature f : v.features()) {
                features.addObject().put("name", f.name()).put("type", f.type().name().toLowerCase())
                        .put("description", f.description());
            }
        }
        return json(HttpStatus.OK, out);
    }

    static ObjectNode toJson(OnlineFeatures features) {
        ObjectNode out = Json.mapper().createObjectNode().put("key", features.key());
        ObjectNode values = out.putObject("features");
        for (Map.Entry<String, FeatureValue> e : features.values().entrySet()) {
            FeatureValue v = e.getValue();
            ObjectNode node = values.putObject(e.getKey());
            node.set("value", Json.mapper().valueToTree(v.value()));
            if (v.age() == null) {
                node.putNull("age_seconds");
            } else {
                node.put("age_seconds", v.age().toMillis() / 1000.0);
            }
            node.put("status", v.status().label());
        }
        return out;
    }

    private static List<String> names(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static HttpResponse json(HttpStatus status, JsonNode body) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    private static HttpResponse error(HttpStatus status, String message) {
        return json(status, Json.mapper().createObjectNode().put("error", message));
    }
}
