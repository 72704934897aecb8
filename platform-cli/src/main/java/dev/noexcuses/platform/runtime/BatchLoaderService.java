package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.loader.batch.BatchLoader;
import java.util.Map;

final class BatchLoaderService implements RunningService {
    private final BatchLoader loader;

    BatchLoaderService(Config config) {
        this.loader = BatchLoader.start(config);
    }

    @Override
    public String name() {
        return "batch-loader";
    }

    @Override
    public Map<String, String> endpoints() {
        if (loader.adminPort() <= 0) {
            return Map.of();
        }
        String base = "http://localhost:" + loader.adminPort();
        return Map.of("health", base + "/healthz", "metrics", base + "/metrics");
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
