package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.online.FeatureServer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The online feature API over Redis, unless feature-store.online.enabled is false or there is no Redis. */
final class FeatureStoreService implements RunningService {
    private final FeatureServer server;
    private final String healthToken;
    private final String disabled;

    FeatureStoreService(Config config) {
        this.healthToken = config.getString("feature-store.online.token");
        this.disabled = !config.getBoolean("feature-store.online.enabled") ? "disabled (feature-store.online.enabled = false)"
                : config.getString("redis.url").isBlank() ? "disabled (no Redis: redis.url, local-infra.redis.enabled)" : null;
        this.server = disabled == null ? FeatureServer.start(config, FeatureRegistry.shipped()) : null;
    }

    @Override
    public String name() {
        return "feature-store";
    }

    @Override
    public Map<String, String> endpoints() {
        if (server == null) {
            return Map.of("api", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>(AdminEndpoints.of(server.port()));
        endpoints.put("api", server.url() + "/v1/features/{user_key}");
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return server == null ? null : AdminEndpoints.healthUrl(server.port());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
