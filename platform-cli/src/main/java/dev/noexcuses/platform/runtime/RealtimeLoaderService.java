package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import java.util.Map;

final class RealtimeLoaderService implements RunningService {
    private final RealtimeLoader loader;

    RealtimeLoaderService(Config config) {
        this.loader = RealtimeLoader.start(config);
    }

    @Override
    public String name() {
        return "realtime-loader";
    }

    @Override
    public Map<String, String> endpoints() {
        if (loader.adminPort() <= 0) {
            return Map.of();
        }
        String base = "http://localhost:" + loader.adminPort();
        return Map.of("health", base + "/healthz", "ready", base + "/readyz", "metrics", base + "/metrics");
    }

    @Override
    public String healthUrl() {
        return loader.adminPort() <= 0 ? null : "http://localhost:" + loader.adminPort() + "/healthz";
    }

    @Override
    public boolean isHealthy() {
        return loader.isHealthy();
    }

    @Override
    public void close() {
        loader.close();
    }
}
