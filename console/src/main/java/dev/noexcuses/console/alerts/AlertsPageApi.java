package dev.noexcuses.console.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.auth.AccessControl;
import dev.noexcuses.console.web.JsonResponses;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Alerts page's data, from the alerting service's JSON API (as a script would read it): rules,
 * alerts, silences, history; silencing and acknowledging in the name of the logged-in user.
 */
@Blocking
public final class AlertsPageApi {
    private final String alertingUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** @param alertingUrl the alerting service's base URL (blank: not running); @param token its bearer token, or blank */
    public AlertsPageApi(String alertingUrl, String token) {
        this.alertingUrl = alertingUrl == null ? "" : alertingUrl.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
    }

    @Get("/api/alerts")
    public HttpResponse overview() {
        return forward("GET", "/api/alerts", null);
    }

    @Get("/api/alerts/history")
    public HttpResponse history(@Param("rule") @Default("") String rule, @Param("limit") @Default("100") int limit) {
        return forward("GET", "/api/alerts/history?limit=" + limit + "&rule=" + URLEncoder.encode(rule, StandardCharsets.UTF_8),
                null);
    }

    @Post("/api/alerts/silence")
    public HttpResponse silence(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        return forward("POST", "/api/alerts/silence", asUser(ctx, request));
    }

    @Post("/api/alerts/acknowledge")
    public HttpResponse acknowledge(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        return forward("POST", "/api/alerts/acknowledge", asUser(ctx, request));
    }

    /** The request's JSON with {@code by} set to the logged-in user, whatever the page sent. */
    private static String asUser(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        JsonNode body = Json.mapper().readTree(request.contentUtf8());
        ObjectNode out = body instanceof ObjectNode o ? o : Json.mapper().createObjectNode();
        out.put("by", AccessControl.session(ctx).user());
        return out.toString();
    }

    private HttpResponse forward(String method, String path, String body) {
        if (alertingUrl.isBlank()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false)
                    .put("message", "Alerting is not running: ./platform up starts it (alerting.enabled), or set "
                            + "console.alerting.url"));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(alertingUrl + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            java.net.http.HttpResponse<byte[]> response = http.send(request.build(), BodyHandlers.ofByteArray());
            return HttpResponse.of(HttpStatus.valueOf(response.statusCode()), MediaType.JSON_UTF_8, response.body());
        } catch (IOException e) {
            return JsonResponses.error(HttpStatus.BAD_GATEWAY, "Alerting at " + alertingUrl + " is unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "Interrupted");
        }
    }
}
