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
            new ServiceFactory("enricher", StreamStageService::enricher),
            new ServiceFactory("realtime-loader", StreamStageService::realtimeLoader),
            new ServiceFactory("batch-loader", StreamStageService::batchLoader),
            new ServiceFactory("spark-job-host", SparkJobHostService::new),
            new ServiceFactory("orchestrator", OrchestratorService::new),
            new ServiceFactory("alerting", AlertingService::new),
            new ServiceFactory("model-registry", ModelRegistryService::new),
            new ServiceFactory("feature-store", RedisApiService::features),
            new ServiceFactory("scores-api", RedisApiService::scores),
            new ServiceFactory("serving-gateway", ServingGatewayService::new));

    public static Optional<ServiceFactory> named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(f -> f.name().equals(wanted)).findFirst();
    }
}
