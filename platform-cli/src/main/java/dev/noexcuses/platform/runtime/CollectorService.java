package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.collector.CollectorServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class CollectorService implements RunningService {
    private final CollectorServer server;
    private final String healthToken;

    CollectorService(Config config) {
        this.healthToken = config.getString("collector.admin.token");
        this.server = CollectorServer.start(withShopOrigin(config));
    }

    /**
     * The console's demo shop (/shop/) posts events from the console's origin: that origin is allowed
     * (CORS) besides the configured ones, while the console and its shop are on and on a fixed port.
     */
    static Config withShopOrigin(Config config) {
        if (!config.getBoolean("console.enabled") || !config.getBoolean("console.shop.enabled")
                || config.getInt("console.port") <= 0) {
            return config;
        }
        List<String> origins = new ArrayList<>(config.getStringList("collector.cors-allowed-origins"));
        if (origins.contains("*")) {
            return config;
        }
        int port = config.getInt("console.port");
        for (String host : List.of("localhost", "127.0.0.1", config.getString("console.host"))) {
            String origin = "http://" + host + ":" + port;
            if (!origins.contains(origin)) {
                origins.add(origin);
            }
        }
        return config.withValue("collector.cors-allowed-origins", ConfigValueFactory.fromIterable(origins));
    }

    @Override
    public String name() {
        return "collector";
    }

    int port() {
        return server.port();
    }

    @Override
    public Map<String, String> endpoints() {
        String base = "http://localhost:" + server.port();
        Map<String, String> endpoints = new java.util.LinkedHashMap<>();
        endpoints.put("rest", base + "/v1/events");
        endpoints.put("grpc", "localhost:" + server.port());
        endpoints.putAll(AdminEndpoints.of(server.adminPort()));
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(server.adminPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return server.isReady();
    }

    @Override
    public void close() {
        server.close();
    }
}
