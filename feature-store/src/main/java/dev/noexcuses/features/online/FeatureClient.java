package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.features.definition.Freshness;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Java client of the online feature API ({@link FeatureApi}), for services and pipelines: features of one
 * entity key, or of many (sent in batches of {@link FeatureApi#MAX_KEYS}). Thread-safe; uses the JDK's HTTP client.
 */
public final class FeatureClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    /** @param baseUrl e.g. {@code http://127.0.0.1:8094}; @param token blank for none */
    public FeatureClient(String baseUrl, String token, Duration timeout) {
        this.base = URI.create(requireNonNull(baseUrl, "baseUrl is null").replaceAll("/+$", "") + "/");
        this.token = requireNonNull(token, "token is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** The features named ({@code view:feature} or a view's name; none for all) of one entity key. */
    public OnlineFeatures get(String key, List<String> features) throws IOException, InterruptedException {
        String query = features.isEmpty() ? "" : "?features=" + URLEncoder.encode(String.join(",", features),
                StandardCharsets.UTF_8);
        HttpRequest request = request("v1/features/" + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20")
                + query).GET().build();
        return parse(send(request));
    }

    /** The features named of many entity keys, in the order of {@code keys}. */
    public List<OnlineFeatures> get(List<String> keys, List<String> features) throws IOException, InterruptedException {
        List<OnlineFeatures> out = new ArrayList<>(keys.size());
        for (int from = 0; from < keys.size(); from += FeatureApi.MAX_KEYS) {
            ObjectNode body = JSON.createObjectNode();
            ArrayNode k = body.putArray("keys");
            keys.subList(from, Math.min(keys.size(), from + FeatureApi.MAX_KEYS)).forEach(k::add);
            ArrayNode f = body.putArray("features");
            features.forEach(f::add);
            HttpRequest request = request("v1/features").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
            for (JsonNode r : send(request).path("results")) {
                out.add(parse(r));
            }
        }
        return out;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        if (!token.isBlank()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode body = response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IOException("The feature API answered " + response.statusCode() + " to " + request.uri() + ": "
                    + body.path("error").asText(new String(response.body(), StandardCharsets.UTF_8)));
        }
        return body;
    }

    private static OnlineFeatures parse(JsonNode node) {
        Map<String, FeatureValue> values = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.path("features").fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode v = e.getValue();
            Duration age = v.path("age_seconds").isNumber()
                    ? Duration.ofMillis(Math.round(v.path("age_seconds").asDouble() * 1000)) : null;
            JsonNode value = v.path("value");
            Object parsed = value.isIntegralNumber() ? (Object) value.asLong() : value.isNumber() ? (Object) value.asDouble() : null;
            values.put(e.getKey(), new FeatureValue(parsed, age,
                    Freshness.valueOf(v.path("status").asText("missing").toUpperCase(Locale.ROOT))));
        }
        return new OnlineFeatures(node.path("key").asText(), values);
    }
}
