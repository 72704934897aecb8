package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import java.util.Map;

final class EnrichmentApiService implements RunningService {
    private final EnrichmentApiServer server;

    EnrichmentApiService(Config config) {
        this.server = EnrichmentApiServer.start(withGateway(config));
    }

    /** Scores through the platform's serving gateway when it runs one on a known port (docs/serving.md). */
    private static Config withGateway(Config config) {
        if (!config.getString("enrichment-api.scoring.gateway-url").isBlank() || !config.getBoolean("serving.gateway.enabled")
                || config.getInt("serving.gateway.port") <= 0 || config.getString("postgres.jdbc-url").isBlank()) {
            return config;
        }
        return config.withValue("enrichment-api.scoring.gateway-url", com.typesafe.config.ConfigValueFactory.fromAnyRef(
                "http://127.0.0.1:" + config.getInt("serving.gateway.port")));
    }

    @Override
    public String name() {
        return "enrichment-api";
    }

    @Override
    public Map<String, String> endpoints() {
        String base = server.localUrl();
        return Map.of("url", base, "schemas", base + "/v1/schemas", "metrics", base + "/metrics");
    }

    @Override
    public String healthUrl() {
        return server.localUrl() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return server.isHealthy();
    }

    @Override
    public void close() {
        server.close();
    }
}
