package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.enricher.EnricherApp;
import java.util.Map;

final class EnricherService implements RunningService {
    private final EnricherApp app;
    private final String healthToken;

    EnricherService(Config config) {
        this.healthToken = config.getString("enricher.admin.token");
        this.app = EnricherApp.start(config);
    }

    @Override
    public String name() {
        return "enricher";
    }

    @Override
    public Map<String, String> endpoints() {
        return AdminEndpoints.of(app.adminPort());
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(app.adminPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
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
