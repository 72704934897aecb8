package dev.noexcuses.console.web;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/**
 * A platform service's JSON API as the console's pages reach it: the request goes on with the service's
 * token, as a script would send it, and the service's answer comes back as it is. A service that is not
 * running is told to the page as {@code {"available": false, "message": ...}} with how to start it or point
 * the console at it; one that does not answer is a 502 naming its address.
 */
public final class ServiceProxy {
    private final String service;
    private final String baseUrl;
    private final String token;
    private final String notRunning;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /**
     * @param service the service as a sentence names it ("The serving gateway")
     * @param baseUrl its base URL; blank when it is not running
     * @param token its bearer token, or blank
     * @param enabledSetting the setting that has {@code ./platform up} start it
     * @param urlSetting the console's setting of its address
     */
    public ServiceProxy(String service, String baseUrl, String token, String enabledSetting, String urlSetting,
                        Duration timeout) {
        this.service = service;
        this.baseUrl = baseUrl == null ? "" : baseUrl.replaceAll("/+$", "");
        this.token = token == null ? "" : token;
        this.notRunning = service + " is not running: ./platform up starts it (" + enabledSetting + "), or set " + urlSetting;
        this.timeout = timeout;
    }

    /** Sends {@code method} to {@code path} (with its query), with {@code jsonBody} or none. */
    public HttpResponse forward(String method, String path, String jsonBody) {
        if (baseUrl.isBlank()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false).put("message", notRunning));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            request.header("Content-Type", "application/json");
        }
        if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpResponse.of(http.sendAsync(request.build(), BodyHandlers.ofByteArray())
                .thenApply(r -> HttpResponse.of(HttpStatus.valueOf(r.statusCode()), MediaType.JSON_UTF_8, r.body()))
                .exceptionally(e -> JsonResponses.error(HttpStatus.BAD_GATEWAY, service + " at " + baseUrl
                        + " is unreachable: " + (e.getCause() == null ? e : e.getCause()).getMessage())));
    }
}
