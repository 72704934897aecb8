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
        return AdminEndpoints.of(loader.adminPort());
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(loader.adminPort());
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
