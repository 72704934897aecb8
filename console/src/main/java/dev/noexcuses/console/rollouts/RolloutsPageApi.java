package dev.noexcuses.console.rollouts;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.console.web.JsonResponses;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * The Rollouts page's data, from the serving gateway's control API (as {@code ./platform rollout}
 * reads it): models with their live traffic split, rollouts with the analysis of each step, and the
 * operator's commands.
 */
@Blocking
public final class RolloutsPageApi {
    private static final Set<String> COMMANDS = Set.of("promote", "pause", "resume", "abort", "rollback");

    private final String gatewayUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @param gatewayUrl the gateway's base URL (blank: not running); @param token its control API token, or blank */
    public RolloutsPageApi(String gatewayUrl, String token) {
        this.gatewayUrl = gatewayUrl == null ? "" : gatewayUrl.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
    }

    @Get("/api/serving/models")
    public HttpResponse models() {
        return forward("GET", "/api/models");
    }

    @Get("/api/serving/rollouts")
    public HttpResponse rollouts(@Param("model") @Default("") String model, @Param("limit") @Default("50") int limit) {
        return forward("GET", "/api/rollouts?limit=" + limit
                + (model.isBlank() ? "" : "&model=" + URLEncoder.encode(model, StandardCharsets.UTF_8)));
    }

    @Post("/api/serving/models/{model}/{command}")
    public HttpResponse command(@Param("model") String model, @Param("command") String command) {
        if (!COMMANDS.contains(command)) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, "Unknown command '" + command + "': expected " + COMMANDS);
        }
        return forward("POST", "/api/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "/rollout/" + command);
    }

    private HttpResponse forward(String method, String path) {
        if (gatewayUrl.isBlank()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false)
                    .put("message", "The serving gateway is not running: ./platform up starts it (serving.gateway.enabled), "
                            + "or set console.serving.url"));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            java.net.http.HttpResponse<byte[]> response = http.send(request.build(), BodyHandlers.ofByteArray());
            return HttpResponse.of(HttpStatus.valueOf(response.statusCode()), MediaType.JSON_UTF_8, response.body());
        } catch (IOException e) {
            return JsonResponses.error(HttpStatus.BAD_GATEWAY, "The serving gateway at " + gatewayUrl + " is unreachable: "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "Interrupted");
        }
    }
}
