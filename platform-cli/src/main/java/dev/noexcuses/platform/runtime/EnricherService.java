package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.enricher.EnricherApp;
import java.util.Map;

final class EnricherService implements RunningService {
    private final EnricherApp app;

    EnricherService(Config config) {
        this.app = EnricherApp.start(config);
    }

    @Override
    public String name() {
        return "enricher";
    }

    @Override
    public Map<String, String> endpoints() {
        if (app.adminPort() <= 0) {
            return Map.of();
        }
        String base = "http://localhost:" + app.adminPort();
        return Map.of("health", base + "/healthz", "metrics", base + "/metrics");
    }

    @Override
    public String healthUrl() {
        return app.adminPort() <= 0 ? null : "http://localhost:" + app.adminPort() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return app.isHealthy();
    }

    @Override
    public void close() {
        app.close();
    }
}
