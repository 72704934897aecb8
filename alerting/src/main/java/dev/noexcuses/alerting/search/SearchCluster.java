package dev.noexcuses.alerting.search;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.tls.TrustedCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The search cluster's REST API ({@code opensearch.*}: URL, optional basic auth and CA file), for the
 * searches rules make. Index patterns that match nothing give empty answers, not errors.
 */
public final class SearchCluster {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final URI base;
    private final Optional<String> authorization;
    private final HttpClient http;

    private SearchCluster(URI base, Optional<String> authorization, HttpClient http) {
        this.base = base;
        this.authorization = authorization;
        this.http = http;
    }

    public static SearchCluster fromConfig(Config config) {
        String url = config.getString("opensearch.url");
        if (url.isBlank()) {
            throw new IllegalStateException("No search cluster for alerting: set opensearch.url (--set or platform.conf) "
                    + "or start ./platform up on this data directory");
        }
        String user = config.getString("opensearch.username");
        Optional<String> auth = user.isBlank() ? Optional.empty() : Optional.of("Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + config.getString("opensearch.password")).getBytes(StandardCharsets.UTF_8)));
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (config.getBoolean("opensearch.tls.insecure")) {
            builder.sslContext(TrustedCertificates.trustingAll());
        } else if (!config.getString("opensearch.tls.ca-file").isBlank()) {
            builder.sslContext(TrustedCertificates.fromPem(Path.of(config.getString("opensearch.tls.ca-file"))));
        }
        return new SearchCluster(URI.create(url.endsWith("/") ? url : url + "/"), auth, builder.build());
    }

    /** {@code POST <pattern>/_search} with {@code body}. */
    public JsonNode search(String indexPattern, JsonNode body) {
        return post(indexPattern + "/_search?ignore_unavailable=true&allow_no_indices=true", body);
    }

    /** {@code POST <pattern>/_count} with a query: the number of matching documents. */
    public long count(String indexPattern, JsonNode query) {
        return post(indexPattern + "/_count?ignore_unavailable=true&allow_no_indices=true",
                Json.mapper().createObjectNode().set("query", query)).path("count").asLong();
    }

    private JsonNode post(String path, JsonNode body) {
        requireNonNull(body, "body is null");
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body)));
        authorization.ifPresent(a -> request.header("Authorization", a));
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("The search cluster answered " + response.statusCode() + " to POST /" + path
                        + ": " + new String(response.body(), StandardCharsets.UTF_8));
            }
            return Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("The search cluster at " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while querying the search cluster", e);
        }
    }
}
