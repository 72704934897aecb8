package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.loader.batch.BatchLoader;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A stage of the event path between Kafka topics (the enricher, the realtime and batch loaders): health and
 * metrics on its admin port ({@code <name>.admin.*}), healthy while it consumes.
 */
final class StreamStageService implements RunningService {
    /** A started stage: its admin port, whether it consumes, and how it stops. */
    private record Stage(int adminPort, BooleanSupplier healthy, Runnable stop) {}

    private final String name;
    private final String healthToken;
    private final Stage stage;

    private StreamStageService(String name, Config config, Stage stage) {
        this.name = name;
        this.healthToken = config.getString(name + ".admin.token");
        this.stage = stage;
    }

    static StreamStageService enricher(Config config) {
        EnricherApp app = EnricherApp.start(config);
        return new StreamStageService("enricher", config, new Stage(app.adminPort(), app::isHealthy, app::close));
    }

    static StreamStageService realtimeLoader(Config config) {
        RealtimeLoader loader = RealtimeLoader.start(config);
        return new StreamStageService("realtime-loader", config, new Stage(loader.adminPort(), loader::isHealthy,
                loader::close));
    }

    static StreamStageService batchLoader(Config config) {
        BatchLoader loader = BatchLoader.start(config);
        return new StreamStageService("batch-loader", config, new Stage(loader.adminPort(), loader::isHealthy,
                loader::close));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> endpoints() {
        return AdminEndpoints.of(stage.adminPort());
    }

    @Override
    public String healthUrl() {
        return AdminEndpoints.healthUrl(stage.adminPort());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return stage.healthy().getAsBoolean();
    }

    @Override
    public void close() {
        stage.stop().run();
    }
}
