package dev.noexcuses.console.search;

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
 * OpenSearch (or Elasticsearch) through its REST API, exactly as a user's script would query it:
 * {@code opensearch.url}, optional basic auth and CA file from the platform's configuration.
 */
public final class SearchClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final URI base;
    private final Optional<String> authorization;
    private final HttpClient http;

    private SearchClient(URI base, Optional<String> authorization, HttpClient http) {
        this.base = base;
        this.authorization = authorization;
        this.http = http;
    }

    /** The configured cluster, or empty when {@code opensearch.url} is blank. */
    public static Optional<SearchClient> fromConfig(Config config) {
        String url = config.getString("opensearch.url");
        if (url.isBlank()) {
            return Optional.empty();
        }
        String user = config.getString("opensearch.username");
        Optional<String> auth = user.isBlank() ? Optional.empty() : Optional.of("Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + config.getString("opensearch.password")).getBytes(StandardCharsets.UTF_8)));
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (config.hasPath("opensearch.tls.insecure") && config.getBoolean("opensearch.tls.insecure")) {
            builder.sslContext(TrustedCertificates.trustingAll());
        } else if (config.hasPath("opensearch.tls.ca-file") && !config.getString("opensearch.tls.ca-file").isBlank()) {
            builder.sslContext(TrustedCertificates.fromPem(Path.of(config.getString("opensearch.tls.ca-file"))));
        }
        return Optional.of(new SearchClient(URI.create(url.endsWith("/") ? url : url + "/"), auth, builder.build()));
    }

    /** {@code POST <index>/_search} with {@code body}; an index pattern that matches nothing gives no hits. */
    public JsonNode search(String indexPattern, JsonNode body) {
        return call("POST", indexPattern + "/_search?ignore_unavailable=true&allow_no_indices=true", body);
    }

    public JsonNode get(String path) {
        return call("GET", path, null);
    }

    private JsonNode call(String method, String path, JsonNode body) {
        requireNonNull(path, "path is null");
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(body)));
        authorization.ifPresent(a -> request.header("Authorization", a));
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw new SearchException("OpenSearch answered " + response.statusCode() + " to " + method + " /"
                        + path + ": " + new String(response.body(), StandardCharsets.UTF_8));
            }
            return Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new SearchException("OpenSearch at " + base + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SearchException("Interrupted while querying OpenSearch", e);
        }
    }

    public URI url() {
        return base;
    }

    /** A query the cluster refused or could not be sent; the message says which. */
    public static final class SearchException extends RuntimeException {
        SearchException(String message) {
            super(message);
        }

        SearchException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
