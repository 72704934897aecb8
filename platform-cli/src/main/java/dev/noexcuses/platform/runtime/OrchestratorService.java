package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.orchestrator.Orchestrator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The DAG scheduler (one instance; more on the same database share the work), unless orchestrator.enabled is false. */
final class OrchestratorService implements RunningService {
    private final Orchestrator orchestrator;
    private final String healthToken;

    OrchestratorService(Config config) {
        this.healthToken = config.getString("orchestrator.admin.token");
        this.orchestrator = config.getBoolean("orchestrator.enabled") ? Orchestrator.start(config) : null;
    }

    @Override
    public String name() {
        return "orchestrator";
    }

    @Override
    public Map<String, String> endpoints() {
        if (orchestrator == null) {
            return Map.of("scheduler", "disabled (orchestrator.enabled = false)");
        }
        Map<String, String> endpoints = new LinkedHashMap<>();
        endpoints.put("scheduler", orchestrator.schedulerName());
        endpoints.putAll(AdminEndpoints.of(orchestrator.adminPort()));
        if (orchestrator.adminPort() > 0) {
            endpoints.put("status", "http://localhost:" + orchestrator.adminPort() + "/status");
        }
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return orchestrator == null ? null : AdminEndpoints.healthUrl(orchestrator.adminPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return orchestrator == null || orchestrator.isHealthy();
    }

    @Override
    public void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }
}
