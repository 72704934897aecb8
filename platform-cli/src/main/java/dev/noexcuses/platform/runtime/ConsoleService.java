package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.console.ConsoleServer;
import dev.noexcuses.infra.trino.TrinoAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The web console, started after the services so it can show each one's health. */
final class ConsoleService implements RunningService {
    private final ConsoleServer server;

    ConsoleService(Config config, List<RunningService> services) {
        List<Map<String, String>> components = new ArrayList<>();
        String latencyMetrics = "";
        String latencyMetricsToken = config.getString("console.latency-metrics-token");
        String alertingUrl = config.getString("console.alerting.url");
        String shopCollector = config.getString("console.shop.collector-url");
        String registryUrl = config.getString("console.model-registry.url");
        String servingUrl = config.getString("console.serving.url");
        for (RunningService s : services) {
            if ("collector".equals(s.name()) && s.endpoints().containsKey("rest") && shopCollector.isBlank()) {
                shopCollector = s.endpoints().get("rest").replace("/v1/events", "");
            }
            if ("alerting".equals(s.name()) && s.endpoints().containsKey("api") && alertingUrl.isBlank()) {
                alertingUrl = s.endpoints().get("api").replace("/api/alerts", "");
            }
            if ("serving-gateway".equals(s.name()) && s.endpoints().containsKey("url") && servingUrl.isBlank()) {
                servingUrl = s.endpoints().get("url");
            }
            if (s.healthUrl() != null) {
                components.add(Map.of("name", s.name(), "health-url", s.healthUrl(), "token", s.healthToken()));
            }
            if (s instanceof ModelRegistryService registry && registryUrl.isBlank()) {
                registryUrl = registry.url();
            }
            if ("realtime-loader".equals(s.name()) && s.endpoints().containsKey("metrics")) {
                latencyMetrics = s.endpoints().get("metrics");
                latencyMetricsToken = s.healthToken();
            }
        }
        Config withServices = ConfigFactory.empty()
                .withValue("console.components", ConfigValueFactory.fromIterable(components))
                .withValue("console.latency-metrics-url", ConfigValueFactory.fromAnyRef(latencyMetrics))
                .withValue("console.latency-metrics-token", ConfigValueFactory.fromAnyRef(latencyMetricsToken))
                .withValue("console.alerting.url", ConfigValueFactory.fromAnyRef(alertingUrl))
                .withValue("console.serving.url", ConfigValueFactory.fromAnyRef(servingUrl))
                .withValue("console.serving.token", ConfigValueFactory.fromAnyRef(config.getString("serving.gateway.token")))
                .withValue("console.shop.collector-url", ConfigValueFactory.fromAnyRef(shopCollector))
                .withValue("console.model-registry.url", ConfigValueFactory.fromAnyRef(registryUrl))
                .withValue("console.trino.jdbc-url", ConfigValueFactory.fromAnyRef(trinoJdbcUrl(config)))
                .withFallback(config);
        this.server = ConsoleServer.start(withServices);
    }

    /**
     * The Trino the batch pages query: the configured one, else the platform's (embedded Trino starts in the
     * background, so the console may start first; its pages say so until Trino answers).
     */
    private static String trinoJdbcUrl(Config config) {
        String configured = config.getString("console.trino.jdbc-url");
        if (!configured.isBlank()) {
            return configured;
        }
        if (config.hasPath("trino.url") && !config.getString("trino.url").isBlank()) {
            return TrinoAccess.from(config).jdbcUrl();
        }
        if (config.hasPath("local-infra.trino.enabled") && config.getBoolean("local-infra.trino.enabled")) {
            return "jdbc:trino://" + config.getString("local-infra.host") + ":" + config.getInt("local-infra.trino.port")
                    + "/" + config.getString("trino.catalog");
        }
        return "";
    }

    @Override
    public String name() {
        return "console";
    }

    @Override
    public Map<String, String> endpoints() {
        return Map.of("url", server.url());
    }

    String url() {
        return server.url();
    }

    @Override
    public String healthUrl() {
        return server.url() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
        server.close();
    }
}
