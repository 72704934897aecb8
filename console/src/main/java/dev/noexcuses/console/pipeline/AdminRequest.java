package dev.noexcuses.console.pipeline;

import java.net.URI;
import java.net.http.HttpRequest;

/** A request to a service's admin endpoint, carrying the admin token ({@code admin.token}) when one is set. */
final class AdminRequest {
    private AdminRequest() {
    }

    static HttpRequest.Builder to(String url, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null && !token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }
}
