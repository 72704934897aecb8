package dev.noexcuses.enrichment;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.metric.MeterIdPrefixFunction;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.enrichment.catalogue.ProductCatalogue;
import dev.noexcuses.enrichment.lookup.EnrichService;
import dev.noexcuses.enrichment.schemas.SchemaFileService;
import dev.noexcuses.enrichment.scoring.GatewayScorer;
import dev.noexcuses.enrichment.scoring.ModelScorer;
import dev.noexcuses.enrichment.scoring.ScoreService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrichment API, running: product lookups, model scoring, the static schema registry, health
 * and metrics on one port. {@link #start(Config)} starts it; {@link #close()} stops it.
 */
public final class EnrichmentApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnrichmentApiServer.class);
    static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;
    private final SettableHealthChecker ready;
    private final AtomicReference<ModelScorer> model;
    private final PrometheusMeterRegistry meters;

    private final boolean tls;

    private EnrichmentApiServer(Server server, SettableHealthChecker ready, AtomicReference<ModelScorer> model,
                                PrometheusMeterRegistry meters, boolean tls) {
        this.tls = tls;
        this.server = server;
        this.ready = ready;
        this.model = model;
        this.meters = meters;
    }

    /** Starts the API with the {@code enrichment-api.*} settings of {@code config}; returns once it listens. */
    public static EnrichmentApiServer start(Config config) {
        requireNonNull(config, "config is null");
        EnrichmentApiSettings settings = EnrichmentApiSettings.from(config);
        ProductCatalogue catalogue = ProductCatalogue.load(settings.catalogue());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        Gauge.builder("enrichment_api_catalogue_products", catalogue, ProductCatalogue::size)
                .description("Products in the loaded catalogue").register(meters);
        String gateway = config.getString("enrichment-api.scoring.gateway-url");
        // With a serving gateway, its model scores (under whatever rollout it runs); else nothing does until deploy().
        AtomicReference<ModelScorer> model = new AtomicReference<>(gateway.isBlank() ? ModelScorer.none()
                : new GatewayScorer(gateway, config.getString("enrichment-api.scoring.model"),
                        config.getDuration("enrichment-api.scoring.timeout"), meters));
        SettableHealthChecker ready = new SettableHealthChecker(false);

        ServerBuilder builder = Server.builder();
        InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
        if (settings.tls()) {
            File cert = readable(settings.tlsCertFile(), "enrichment-api.tls.cert-file");
            File key = readable(settings.tlsKeyFile(), "enrichment-api.tls.key-file");
            builder.https(address).tls(cert, key);
        } else {
            builder.http(address);
        }
        Server server = builder
                .maxRequestLength(settings.maxRequestBytes())
                .requestTimeout(settings.requestTimeout())
                .gracefulShutdownTimeout(settings.gracefulShutdown(), settings.gracefulShutdown())
                .meterRegistry(meters)
                .service("/v1/enrich", new EnrichService(catalogue)
                        .decorate(MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("enrichment_api"))))
                .service("/v1/score", new ScoreService(model::get)
                        .decorate(MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("enrichment_api"))))
                .service("/v1/schemas/{vendor}/{name}/{version}", new SchemaFileService(settings.schemasDirectory())
                        .decorate(MetricCollectingService.newDecorator(MeterIdPrefixFunction.ofDefault("enrichment_api"))))
                .service("/healthz", HealthCheckService.of())
                .service("/readyz", HealthCheckService.of(ready))
                .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, meters.scrape()))
                .build();
        server.start().join();
        ready.setHealthy(true);
        EnrichmentApiServer running = new EnrichmentApiServer(server, ready, model, meters, settings.tls());
        LOG.info("Enrichment API listening on port {} ({} products, schemas from {})", running.port(),
                catalogue.size(), settings.schemasDirectory());
        return running;
    }

    public int port() {
        return server.activeLocalPort();
    }

    /** The base URL a client on this machine reaches the API at, e.g. {@code http://127.0.0.1:8081}. */
    public String localUrl() {
        return (tls ? "https" : "http") + "://127.0.0.1:" + port();
    }

    private static File readable(String path, String setting) {
        File file = new File(path);
        if (!file.canRead()) {
            throw new IllegalArgumentException("Cannot read " + setting + " " + file.getAbsolutePath());
        }
        return file;
    }

    /** Deploys {@code scorer} behind {@code POST /v1/score}; {@link ModelScorer#none()} withdraws it. */
    public void deploy(ModelScorer scorer) {
        model.set(requireNonNull(scorer, "scorer is null"));
    }

    public Optional<ModelScorer.ModelInfo> deployedModel() {
        return model.get().model();
    }

    public boolean isHealthy() {
        return !server.isClosing() && !server.isClosed() && server.activePorts().size() > 0;
    }

    @Override
    public void close() {
        ready.setHealthy(false);
        server.stop().join();
        meters.close();
        LOG.info("Enrichment API stopped");
    }

    /** Runs the API alone: {@code java ... EnrichmentApiServer [platform.conf]}, until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Optional<Path> file = args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty();
        EnrichmentApiServer api = start(PlatformConfig.load(file, Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            stopped.countDown();
        }, "enrichment-api-shutdown"));
        stopped.await();
    }
}
