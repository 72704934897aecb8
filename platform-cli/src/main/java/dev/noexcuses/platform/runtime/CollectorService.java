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
        return Map.of("rest", base + "/v1/events", "grpc", "localhost:" + server.port(), "metrics", base + "/metrics");
    }

    @Override
    public String healthUrl() {
        return "http://localhost:" + server.port() + "/healthz";
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
