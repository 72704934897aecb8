package dev.noexcuses.console.ab;

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
 * The A/B tests page's data, from the serving gateway's experiments API (as {@code ./platform ab}
 * reads it): experiments, the report of one (arms, samples, effect with interval, p-value and the
 * sequential verdict, guardrails), and stopping one with its winner handed to the rollout.
 */
@Blocking
public final class AbTestsPageApi {
    private static final Set<String> WINNERS = Set.of("auto", "treatment", "control");

    private final String gatewayUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @param gatewayUrl the gateway's base URL (blank: not running); @param token its control API token, or blank */
    public AbTestsPageApi(String gatewayUrl, String token) {
        this.gatewayUrl = gatewayUrl == null ? "" : gatewayUrl.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
    }

    @Get("/api/ab/experiments")
    public HttpResponse experiments(@Param("limit") @Default("50") int limit) {
        return forward("GET", "/api/experiments?limit=" + Math.max(1, Math.min(limit, 500)));
    }

    @Get("/api/ab/experiments/{name}/report")
    public HttpResponse report(@Param("name") String name) {
        return forward("GET", "/api/experiments/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/report");
    }

    @Post("/api/ab/experiments/{name}/stop")
    public HttpResponse stop(@Param("name") String name, @Param("winner") @Default("auto") String winner) {
        if (!WINNERS.contains(winner)) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, "Invalid winner '" + winner + "': expected " + WINNERS);
        }
        return forward("POST", "/api/experiments/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/stop?winner=" + winner);
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
