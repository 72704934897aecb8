package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/** Asks a cluster for its health, within a bounded time: what {@code isHealthy()} and start-up waits use. */
final class OpenSearchProbe {
    private final OpenSearchAccess access;
    private final HttpClient http;

    OpenSearchProbe(OpenSearchAccess access) {
        this.access = requireNonNull(access, "access is null");
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        access.sslContext().ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    /** The cluster status ({@code green}, {@code yellow}, {@code red}); throws when it does not answer 200. */
    String clusterStatus(Duration timeout) throws Exception {
        JsonNode health = get("/_cluster/health", timeout);
        return health.path("status").asText("unknown");
    }

    /** The root document: name, cluster name, version (with its distribution for OpenSearch). */
    JsonNode info(Duration timeout) throws Exception {
        return get("/", timeout);
    }

    boolean usable(Duration timeout) {
        try {
            String status = clusterStatus(timeout);
            return status.equals("green") || status.equals("yellow");
        } catch (Exception e) {
            return false;
        }
    }

    private JsonNode get(String path, Duration timeout) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(access.url() + path)).timeout(timeout).GET();
        if (!access.username().isBlank()) {
            String credentials = access.username() + ":" + access.password();
            request.header("Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + access.url() + path + " answered " + response.statusCode() + ": "
                    + new String(response.body(), StandardCharsets.UTF_8));
        }
        return Json.mapper().readTree(response.body());
    }
}
