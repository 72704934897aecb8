package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.serving.gateway.ServingGateway;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The serving gateway (predictions, rollouts and the model servers they start), unless
 * serving.gateway.enabled is false or there is no PostgreSQL for its state.
 */
final class ServingGatewayService implements RunningService {
    private final ServingGateway gateway;
    private final String disabled;

    ServingGatewayService(Config config) {
        this.disabled = !config.getBoolean("serving.gateway.enabled") ? "disabled (serving.gateway.enabled = false)"
                : config.getString("postgres.jdbc-url").isBlank() ? "disabled (no PostgreSQL: postgres.jdbc-url)" : null;
        this.gateway = disabled == null ? ServingGateway.start(withPlatformServices(config)) : null;
    }

    /**
     * The platform's own model registry (versions and aliases of rollouts), online feature API
     * (predictions by user key) and collector (experiment exposures), unless set otherwise; started
     * before the gateway, on known ports.
     */
    static Config withPlatformServices(Config config) {
        if (config.getString("serving.registry.url").isBlank() && config.getBoolean("model-registry.enabled")
                && config.getInt("model-registry.port") > 0 && !config.getString("postgres.jdbc-url").isBlank()) {
            config = config.withValue("serving.registry.url", ConfigValueFactory.fromAnyRef(
                    "http://127.0.0.1:" + config.getInt("model-registry.port")));
        }
        if (config.getString("serving.features.url").isBlank() && config.getBoolean("feature-store.online.enabled")
                && config.getInt("feature-store.online.port") > 0 && !config.getString("redis.url").isBlank()) {
            config = config.withValue("serving.features.url", ConfigValueFactory.fromAnyRef(
                    "http://127.0.0.1:" + config.getInt("feature-store.online.port")))
                    .withValue("serving.features.token", ConfigValueFactory.fromAnyRef(
                            config.getString("feature-store.online.token")));
        }
        if (config.getString("serving.experiments.collector-url").isBlank() && config.getInt("collector.port") > 0
                && config.getString("collector.tls.cert-file").isBlank()) {
            // Experiment exposures go to the platform's own collector (docs/ab-testing.md). A collector with its own
            // certificate authority is not trusted by the exposures' client: its URL is set by hand.
            config = config.withValue("serving.experiments.collector-url", ConfigValueFactory.fromAnyRef(
                    "http://127.0.0.1:" + config.getInt("collector.port")));
        }
        return config;
    }

    @Override
    public String name() {
        return "serving-gateway";
    }

    @Override
    public Map<String, String> endpoints() {
        if (gateway == null) {
            return Map.of("gateway", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>();
        String base = "http://localhost:" + gateway.port();
        endpoints.put("url", base);
        endpoints.put("predict", base + "/v1/models/{name}/predict");
        endpoints.put("api", base + "/api/rollouts");
        endpoints.put("experiments", base + "/api/experiments");
        endpoints.put("metrics", base + "/metrics");
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return gateway == null ? null : "http://localhost:" + gateway.port() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return gateway == null || gateway.isHealthy();
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
    }
}
