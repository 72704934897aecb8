package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.loader.batch.BatchLoader;
import java.util.Map;

final class BatchLoaderService implements RunningService {
    private final BatchLoader loader;
    private final String healthToken;

    BatchLoaderService(Config config) {
        this.healthToken = config.getString("batch-loader.admin.token");
        this.loader = BatchLoader.start(config);
    }

    @Override
    public String name() {
        return "batch-loader";
    }

    @Override
    public Map<String, String> endpoints() {
        return AdminEndpoints.of(loader.adminPort());
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(loader.adminPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
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
