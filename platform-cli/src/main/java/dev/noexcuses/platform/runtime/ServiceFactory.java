package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/** Every service the platform runs, in data-path order, and how to start each one. */
public record ServiceFactory(String name, Function<Config, RunningService> starter) {
    public static final List<ServiceFactory> ALL = List.of(
            new ServiceFactory("collector", CollectorService::new),
            new ServiceFactory("enrichment-api", EnrichmentApiService::new),
            new ServiceFactory("enricher", EnricherService::new),
            new ServiceFactory("realtime-loader", RealtimeLoaderService::new),
            new ServiceFactory("batch-loader", BatchLoaderService::new),
            new ServiceFactory("spark-job-host", SparkJobHostService::new),
            new ServiceFactory("orchestrator", OrchestratorService::new),
            new ServiceFactory("alerting", AlertingService::new),
            new ServiceFactory("model-registry", ModelRegistryService::new),
            new ServiceFactory("feature-store", FeatureStoreService::new),
            new ServiceFactory("scores-api", ScoresService::new),
            new ServiceFactory("serving-gateway", ServingGatewayService::new));

    public static Optional<ServiceFactory> named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(f -> f.name().equals(wanted)).findFirst();
    }
}
