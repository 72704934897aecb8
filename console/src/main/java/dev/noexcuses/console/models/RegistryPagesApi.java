package dev.noexcuses.console.models;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.console.web.JsonResponses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The Experiments and Models pages' data: reads of the model registry's REST API ({@code /api/registry/X}
 * is the registry's {@code /api/v1/X}), made with the console's own viewer token, as a script would.
 * Read-only: promotions are requested and approved by their users with their own tokens (CLI or API).
 */
public final class RegistryPagesApi implements HttpService {
    public static final String PREFIX = "/api/registry/";

    private final String registryUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @param registryUrl the registry's base URL (blank: not running); @param token the console's viewer token */
    public RegistryPagesApi(String registryUrl, String token) {
        this.registryUrl = registryUrl == null ? "" : registryUrl.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (req.method() != HttpMethod.GET) {
            return JsonResponses.error(HttpStatus.METHOD_NOT_ALLOWED, "The console reads the registry only");
        }
        if (registryUrl.isBlank()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false)
                    .put("message", "The model registry is not running: ./platform up starts it (model-registry.enabled), "
                            + "or set console.model-registry.url"));
        }
        String rest = ctx.path().substring(PREFIX.length());
        String query = ctx.query() == null ? "" : "?" + ctx.query();
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                        URI.create(registryUrl + "/api/v1/" + rest + query))
                .timeout(Duration.ofSeconds(30)).GET();
        if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<HttpResponse> answer = http.sendAsync(request.build(), BodyHandlers.ofByteArray())
                .thenApply(r -> HttpResponse.of(HttpStatus.valueOf(r.statusCode()), MediaType.JSON_UTF_8, r.body()))
                .exceptionally(e -> JsonResponses.error(HttpStatus.BAD_GATEWAY, "The model registry at " + registryUrl
                        + " is unreachable: " + e.getMessage()));
        return HttpResponse.of(answer);
    }
}
