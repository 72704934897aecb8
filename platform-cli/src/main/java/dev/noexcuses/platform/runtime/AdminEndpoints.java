package dev.noexcuses.platform.runtime;

import java.util.Map;

/** Endpoints of a service's admin server (the shared one in common); port 0 or less means it is off. */
final class AdminEndpoints {
    private AdminEndpoints() {}

    static Map<String, String> of(int port) {
        if (port <= 0) {
            return Map.of();
        }
        String base = "http://localhost:" + port;
        return Map.of("health", base + "/healthz", "ready", base + "/readyz", "metrics", base + "/metrics");
    }

    static String healthUrl(int port) {
        return port <= 0 ? null : "http://localhost:" + port + "/healthz";
    }
}
