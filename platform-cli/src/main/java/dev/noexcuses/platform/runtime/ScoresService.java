package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.ml.scores.ScoresServer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The churn scores API over Redis, unless ml-pipelines.scores.enabled is false or there is no Redis. */
final class ScoresService implements RunningService {
    private final ScoresServer server;
    private final String healthToken;
    private final String disabled;

    ScoresService(Config config) {
        this.healthToken = config.getString("ml-pipelines.scores.token");
        this.disabled = !config.getBoolean("ml-pipelines.scores.enabled") ? "disabled (ml-pipelines.scores.enabled = false)"
                : config.getString("redis.url").isBlank() ? "disabled (no Redis: redis.url, local-infra.redis.enabled)" : null;
        this.server = disabled == null ? ScoresServer.start(config) : null;
    }

    @Override
    public String name() {
        return "scores-api";
    }

    @Override
    public Map<String, String> endpoints() {
        if (server == null) {
            return Map.of("api", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>(AdminEndpoints.of(server.port()));
        endpoints.put("api", server.url() + "/v1/scores/churn/{user_key}");
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
