package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import java.util.Map;

final class EnrichmentApiService implements RunningService {
    private final EnrichmentApiServer server;

    EnrichmentApiService(Config config) {
        this.server = EnrichmentApiServer.start(config);
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
