package dev.noexcuses.serving.features;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpResponseException;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.instances.ModelServerInstance;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A predict request that gives a user key instead of (some of) its features: {@code {"user_key": "u-123"}}
 * (or the header {@code x-user-key}), optionally with {@code "features"} of its own (those win). The model's features named like the
 * feature store's training sets name their columns, {@code <view>__<feature>}, are read from the online
 * feature store's API ({@code GET /v1/features/{key}}) and put into the request before it is routed;
 * a value the store has not (or no longer: past its TTL) is a missing value, null. A user the store
 * knows nothing of is answered 404, never scored on an empty row.
 *
 * <p>The gateway reads the features once per request, for every version the request may reach
 * (stable, candidate, shadow), so all of them score the same row. It calls the feature API over HTTP
 * rather than reading Redis itself: the API judges freshness by the views' definitions (TTL, stale
 * time), which live with the feature store, and stages meet only through their APIs.
 */
public final class FeaturesByUserKey {
    private static final byte[] USER_KEY_FIELD = "\"user_key\"".getBytes(StandardCharsets.UTF_8);
    /** The user key as a header: the one that also picks a user's arm of an A/B experiment (docs/ab-testing.md). */
    private static final String USER_KEY_HEADER = "x-user-key";
    /** {@code <view>__<feature>}: the column a training set gives a feature (docs/feature-store.md). */
    private static final String VIEW_SEPARATOR = "__";

    private final WebClient client;
    private final String featuresUrl;
    private final String token;
    private final Duration timeout;
    /** Each model version's feature names, as its model server tells them. */
    private final Map<String, CompletableFuture<List<String>>> featureNames = new ConcurrentHashMap<>();

    /** @param featuresUrl the feature API's base URL, blank for none */
    public FeaturesByUserKey(WebClient client, String featuresUrl, String token, Duration timeout) {
        this.client = requireNonNull(client, "client is null");
        this.featuresUrl = requireNonNull(featuresUrl, "featuresUrl is null").replaceAll("/+$", "");
        this.token = requireNonNull(token, "token is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    /** With the {@code serving.features.*} settings of {@code config}. */
    public static FeaturesByUserKey from(Config config, WebClient client) {
        Config c = config.getConfig("serving.features");
        return new FeaturesByUserKey(client, c.getString("url"), c.getString("token"), c.getDuration("timeout"));
    }

    /**
     * The predict service's decorator: each request's features completed (see {@link #fill}) before the
     * service routes it, for the model servers {@code serversOf} the model's name can reach now.
     */
    public DecoratingHttpServiceFunction decorator(Function<String, List<ModelServerInstance>> serversOf) {
        requireNonNull(serversOf, "serversOf is null");
        return (delegate, ctx, req) -> {
            String model = ctx.pathParam("name");
            return HttpResponse.of(req.aggregate()
                    .thenCompose(request -> fill(model, serversOf.apply(model), request))
                    .handle((filled, failure) -> {
                        if (failure != null) {
                            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                    ? failure.getCause() : failure;
                            return cause instanceof HttpResponseException refusal ? refusal.httpResponse()
                                    : HttpResponse.ofFailure(cause);
                        }
                        try {
                            return delegate.serve(ctx, filled.toHttpRequest());
                        } catch (Exception e) {
                            return HttpResponse.ofFailure(e);
                        }
                    }));
        };
    }

    /**
     * {@code request} as it is when it names no user key; else a request whose features are completed
     * from the feature store for the model served by {@code servers}. Fails with an
     * {@link HttpResponseException} carrying the client's answer when they cannot be.
     */
    public CompletableFuture<AggregatedHttpRequest> fill(String model, List<ModelServerInstance> servers,
                                                         AggregatedHttpRequest request) {
        byte[] body = request.content().array();
        String headerKey = request.headers().get(USER_KEY_HEADER);
        boolean keyInHeader = headerKey != null && !headerKey.isBlank();
        if (!keyInHeader && !contains(body, USER_KEY_FIELD)) {
            // Most requests give their features: no parsing, no lookup.
            return CompletableFuture.completedFuture(request);
        }
        ObjectNode json;
        try {
            JsonNode parsed = Json.mapper().readTree(body);
            if (!(parsed instanceof ObjectNode o)) {
                return CompletableFuture.completedFuture(request);
            }
            json = o;
        } catch (IOException e) {
            // Not JSON: the model server answers that, as for any other request.
            return CompletableFuture.completedFuture(request);
        }
        JsonNode key = json.get("user_key");
        if (key == null || key.isNull()) {
            if (!keyInHeader) {
                return CompletableFuture.completedFuture(request);
            }
            key = Json.mapper().getNodeFactory().textNode(headerKey);
        }
        if (!key.isTextual() || key.asText().isBlank()) {
            return refused(HttpStatus.BAD_REQUEST, "Invalid user_key " + key + ": expected the user's key as a string "
                    + "(user_id, else anonymous_id)");
        }
        if (json.has("features") && !json.get("features").isObject()) {
            return refused(HttpStatus.BAD_REQUEST, "Invalid body: expected {\"user_key\": \"u-123\", "
                    + "\"features\": {\"<feature>\": <number>, ...}} (features optional)");
        }
        if (featuresUrl.isEmpty()) {
            return refused(HttpStatus.BAD_REQUEST, "This gateway reads no feature store (serving.features.url is blank): "
                    + "send the model's features in the request");
        }
        String userKey = key.asText();
        ObjectNode given = json.has("features") ? (ObjectNode) json.get("features") : json.putObject("features");
        return namesOf(model, servers).thenCompose(names -> {
            List<String> wanted = new ArrayList<>();
            for (String name : names) {
                int at = name.indexOf(VIEW_SEPARATOR);
                if (at > 0 && at + VIEW_SEPARATOR.length() < name.length() && !given.has(name)) {
                    wanted.add(name);
                }
            }
            if (wanted.isEmpty()) {
                // Everything the model reads from the store came with the request.
                return CompletableFuture.completedFuture(request);
            }
            return lookUp(userKey, wanted).thenApply(values -> {
                values.forEach(given::set);
                return withBody(request, json);
            });
        });
    }

    /** The feature names of every version among {@code servers} (one call per version, then remembered). */
    private CompletableFuture<Set<String>> namesOf(String model, List<ModelServerInstance> servers) {
        Map<String, ModelServerInstance> oneEach = new java.util.LinkedHashMap<>();
        servers.forEach(s -> oneEach.putIfAbsent(s.version(), s));
        List<CompletableFuture<List<String>>> each = new ArrayList<>();
        for (ModelServerInstance server : oneEach.values()) {
            String cacheKey = model + "@" + server.version();
            CompletableFuture<List<String>> names = featureNames.computeIfAbsent(cacheKey, k -> ask(server));
            // A failed answer is not kept: the next request asks again.
            names.whenComplete((n, failure) -> {
                if (failure != null) {
                    featureNames.remove(cacheKey, names);
                }
            });
            each.add(names);
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Set<String> all = new LinkedHashSet<>();
            each.forEach(f -> all.addAll(f.join()));
            return all;
        });
    }

    private CompletableFuture<List<String>> ask(ModelServerInstance server) {
        return client.get(server.url() + "/v1/models/" + server.model()).aggregate().thenApply(res -> {
            if (!res.status().isSuccess()) {
                throw HttpResponseException.of(error(HttpStatus.BAD_GATEWAY, "Model server " + server.url()
                        + " did not tell its features: " + res.status()));
            }
            try {
                List<String> names = new ArrayList<>();
                Json.mapper().readTree(res.content().array()).path("features").forEach(f -> names.add(f.asText()));
                return List.copyOf(names);
            } catch (IOException e) {
                throw HttpResponseException.of(error(HttpStatus.BAD_GATEWAY, "Model server " + server.url()
                        + " answered unreadable model information: " + e.getMessage()));
            }
        });
    }

    /** The values of {@code wanted} for {@code userKey}, by model feature name. */
    private CompletableFuture<Map<String, JsonNode>> lookUp(String userKey, List<String> wanted) {
        StringBuilder refs = new StringBuilder();
        for (String name : wanted) {
            int at = name.indexOf(VIEW_SEPARATOR);
            refs.append(refs.length() == 0 ? "" : ",").append(name, 0, at).append(':')
                    .append(name.substring(at + VIEW_SEPARATOR.length()));
        }
        String path = featuresUrl + "/v1/features/" + encode(userKey) + "?features=" + encode(refs.toString());
        var call = client.prepare().get(path).responseTimeout(timeout);
        if (!token.isEmpty()) {
            call.header(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        return call.execute().aggregate()
                .handle((res, failure) -> {
                    if (failure != null) {
                        throw HttpResponseException.of(error(HttpStatus.SERVICE_UNAVAILABLE, "The online feature store at "
                                + featuresUrl + " did not answer for user '" + userKey + "': " + failure));
                    }
                    return values(userKey, wanted, res);
                });
    }

    private Map<String, JsonNode> values(String userKey, List<String> wanted, AggregatedHttpResponse res) {
        JsonNode body;
        try {
            body = Json.mapper().readTree(res.content().array());
        } catch (IOException e) {
            throw HttpResponseException.of(error(HttpStatus.BAD_GATEWAY, "The online feature store answered "
                    + res.status() + " with an unreadable body"));
        }
        if (res.status().code() == 400) {
            // The model asks for a feature the store does not define: the model's fault, not the client's.
            throw HttpResponseException.of(error(HttpStatus.UNPROCESSABLE_ENTITY, "The model's features "
                    + wanted + " cannot be read from the online feature store: " + body.path("error").asText()));
        }
        if (!res.status().isSuccess()) {
            throw HttpResponseException.of(error(HttpStatus.SERVICE_UNAVAILABLE, "The online feature store answered "
                    + res.status() + ": " + body.path("error").asText(res.contentUtf8())));
        }
        Map<String, JsonNode> values = new java.util.LinkedHashMap<>();
        boolean anyKnown = false;
        for (String name : wanted) {
            int at = name.indexOf(VIEW_SEPARATOR);
            JsonNode v = body.path("features").path(name.substring(0, at) + ":" + name.substring(at + VIEW_SEPARATOR.length()));
            // Known: a value, or at least a feature time (a value that expired, or a view's empty feature).
            anyKnown |= v.path("value").isNumber() || v.path("age_seconds").isNumber();
            values.put(name, v.path("value").isNumber() ? v.path("value") : Json.mapper().nullNode());
        }
        if (!anyKnown) {
            throw HttpResponseException.of(error(HttpStatus.NOT_FOUND, "No features of user '" + userKey
                    + "' in the online feature store (never materialised, or expired past their TTL): send the model's "
                    + "features " + wanted + " in the request"));
        }
        return values;
    }

    private static AggregatedHttpRequest withBody(AggregatedHttpRequest request, ObjectNode json) {
        byte[] body = Json.toBytes(json);
        return AggregatedHttpRequest.of(request.headers().toBuilder().setLong(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .build(), HttpData.wrap(body));
    }

    private static <T> CompletableFuture<T> refused(HttpStatus status, String message) {
        return CompletableFuture.failedFuture(HttpResponseException.of(error(status, message)));
    }

    private static HttpResponse error(HttpStatus status, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toText(Map.of("error", message)));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Whether {@code needle} occurs in {@code haystack}. */
    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
