package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.alerting.Alerting;
import java.util.LinkedHashMap;
import java.util.Map;

/** The alert evaluator (rules every alerting.interval, notifications), unless alerting.enabled is false. */
final class AlertingService implements RunningService {
    private final Alerting alerting;
    private final String healthToken;

    private final String disabled;

    AlertingService(Config config) {
        this.healthToken = config.getString("alerting.http.token");
        // Rules read the live data in OpenSearch: without a search cluster there is nothing to evaluate.
        this.disabled = !config.getBoolean("alerting.enabled") ? "disabled (alerting.enabled = false)"
                : config.getString("opensearch.url").isBlank() ? "disabled (no search cluster: opensearch.url)" : null;
        this.alerting = disabled == null ? Alerting.start(config) : null;
    }

    @Override
    public String name() {
        return "alerting";
    }

    @Override
    public Map<String, String> endpoints() {
        if (alerting == null) {
            return Map.of("evaluator", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>(AdminEndpoints.of(alerting.httpPort()));
        if (alerting.httpPort() > 0) {
            endpoints.put("api", "http://localhost:" + alerting.httpPort() + "/api/alerts");
        }
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return alerting == null ? null : AdminEndpoints.healthUrl(alerting.httpPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return alerting == null || alerting.isHealthy();
    }

    @Override
    public void close() {
        if (alerting != null) {
            alerting.close();
        }
    }
}
