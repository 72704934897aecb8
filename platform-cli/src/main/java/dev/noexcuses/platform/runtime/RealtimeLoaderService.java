package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import java.util.Map;

final class RealtimeLoaderService implements RunningService {
    private final RealtimeLoader loader;
    private final String healthToken;

    RealtimeLoaderService(Config config) {
        this.healthToken = config.getString("realtime-loader.admin.token");
        this.loader = RealtimeLoader.start(config);
    }

    @Override
    public String name() {
        return "realtime-loader";
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
