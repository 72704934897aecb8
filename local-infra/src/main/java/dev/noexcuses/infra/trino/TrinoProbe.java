package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.tls.TrustedCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks a Trino coordinator whether it accepts queries: {@code GET /v1/info} answers without
 * authentication and says {@code "starting": false} once the server is up.
 */
public final class TrinoProbe {
    private final String url;
    private final HttpClient client;

    public TrinoProbe(TrinoAccess access) {
        requireNonNull(access, "access is null");
        this.url = access.url();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (access.tls() && access.insecure()) {
            builder.sslContext(TrustedCertificates.trustingAll());
        } else if (access.tls() && !access.caFile().isBlank()) {
            builder.sslContext(TrustedCertificates.fromPem(Path.of(access.caFile())));
        }
        this.client = builder.build();
    }

    /** The server's {@code /v1/info}, or empty while it does not answer. */
    public Optional<JsonNode> info(Duration timeout) {
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(url + "/v1/info"))
                    .timeout(timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 ? Optional.of(Json.mapper().readTree(response.body())) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Whether the server answers and has finished starting. */
    public boolean ready(Duration timeout) {
        return info(timeout).map(i -> !i.path("starting").asBoolean(true)).orElse(false);
    }

    /** Whether the Trino at {@code url} accepts queries now (for status, which knows only the URL). */
    public static boolean ready(String url) {
        return new TrinoProbe(new TrinoAccess(url, "status", "", "system", "", false)).ready(Duration.ofSeconds(3));
    }
}
