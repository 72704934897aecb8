package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.console.ConsoleServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The web console, started after the services so it can show each one's health. */
final class ConsoleService implements RunningService {
    private final ConsoleServer server;

    ConsoleService(Config config, List<RunningService> services) {
        List<Map<String, String>> components = new ArrayList<>();
        String latencyMetrics = "";
        for (RunningService s : services) {
            if (s.healthUrl() != null) {
                components.add(Map.of("name", s.name(), "health-url", s.healthUrl()));
            }
            if ("realtime-loader".equals(s.name()) && s.endpoints().containsKey("metrics")) {
                latencyMetrics = s.endpoints().get("metrics");
            }
        }
        Config withServices = ConfigFactory.empty()
                .withValue("console.components", ConfigValueFactory.fromIterable(components))
                .withValue("console.latency-metrics-url", ConfigValueFactory.fromAnyRef(latencyMetrics))
                .withFallback(config);
        this.server = ConsoleServer.start(withServices);
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
