package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.registry.ModelRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/** Experiment tracking and the model registry (REST and MLflow APIs), unless model-registry.enabled is false. */
final class ModelRegistryService implements RunningService {
    private final ModelRegistry registry;
    private final String disabled;

    ModelRegistryService(Config config) {
        // Its metadata lives in PostgreSQL and its artifacts in S3: without a database there is no registry.
        this.disabled = !config.getBoolean("model-registry.enabled") ? "disabled (model-registry.enabled = false)"
                : config.getString("postgres.jdbc-url").isBlank() ? "disabled (no PostgreSQL: postgres.jdbc-url)" : null;
        this.registry = disabled == null ? ModelRegistry.start(config) : null;
    }

    @Override
    public String name() {
        return "model-registry";
    }

    @Override
    public Map<String, String> endpoints() {
        if (registry == null) {
            return Map.of("registry", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("api", registry.url() + "/api/v1");
        endpoints.put("mlflow", registry.url());
        endpoints.put("health", registry.url() + "/healthz");
        endpoints.put("metrics", registry.url() + "/metrics");
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return registry == null ? null : registry.url() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return registry == null || registry.isHealthy();
    }

    /** The registry's base URL, or blank when it does not run. */
    String url() {
        return registry == null ? "" : registry.url();
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.close();
        }
    }
}
