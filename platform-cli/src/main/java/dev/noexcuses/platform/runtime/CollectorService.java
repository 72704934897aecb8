package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.collector.CollectorServer;
import java.util.Map;

final class CollectorService implements RunningService {
    private final CollectorServer server;

    CollectorService(Config config) {
        this.server = CollectorServer.start(config);
    }

    @Override
    public String name() {
        return "collector";
    }

    int port() {
        return server.port();
    }

    @Override
    public Map<String, String> endpoints() {
        String base = "http://localhost:" + server.port();
        Map<String, String> endpoints = new java.util.LinkedHashMap<>();
        endpoints.put("rest", base + "/v1/events");
        endpoints.put("grpc", "localhost:" + server.port());
        endpoints.putAll(AdminEndpoints.of(server.adminPort()));
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(server.adminPort());
    }

    @Override
    public boolean isHealthy() {
        return server.isReady();
    }

    @Override
    public void close() {
        server.close();
    }
}
