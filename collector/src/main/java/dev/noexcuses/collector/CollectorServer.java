package dev.noexcuses.collector;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.typesafe.config.Config;
import dev.noexcuses.collector.auth.WriteKeyAuthenticator;
import dev.noexcuses.collector.grpc.CollectorGrpcService;
import dev.noexcuses.collector.http.EventsHttpService;
import dev.noexcuses.collector.intake.ClientIpResolver;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.TopLevelValidator;
import dev.noexcuses.collector.sink.KafkaEventSink;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.kafka.KafkaClients;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector: REST ({@code POST /v1/events}) and gRPC ({@code CollectorService}) on one port,
 * with {@code /healthz}, {@code /readyz} and {@code /metrics}.
 */
public final class CollectorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorServer.class);

    private final Server server;
    private final KafkaEventSink sink;
    private final PrometheusMeterRegistry registry;

    private CollectorServer(Server server, KafkaEventSink sink, PrometheusMeterRegistry registry) {
        this.server = server;
        this.sink = sink;
        this.registry = registry;
    }

    /** Starts a collector with the {@code collector} and {@code kafka} settings of {@code config}. */
    public static CollectorServer start(Config config) {
        requireNonNull(config, "config is null");
        CollectorConfig settings = CollectorConfig.from(config);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        long timeoutMs = settings.kafkaTimeout().toMillis();
        java.util.Properties producer = KafkaClients.reliableProducer(config, "collector", timeoutMs);
        // Requests already arrive in batches and each waits for its acknowledgement: a long linger
        // would only add to every request's latency.
        producer.put("linger.ms", String.valueOf(settings.kafkaLinger().toMillis()));
        KafkaEventSink sink = new KafkaEventSink(producer, KafkaClients.base(config), settings.kafkaTimeout());
        CollectorMetrics metrics = new CollectorMetrics(registry);
        EventIntake intake = new EventIntake(new TopLevelValidator(settings.maxFutureSkew()), sink, metrics,
                hostName(), settings.failedPayloadKeepBytes());
        WriteKeyAuthenticator authenticator = new WriteKeyAuthenticator(settings.writeKeys());
        ClientIpResolver ipResolver = new ClientIpResolver(settings.trustedProxies());

        Server server = Server.builder()
                .http(settings.port())
                // The REST handler enforces collector.max-body-bytes itself, keeping the first bytes of
                // an oversized body for its failed-event record; gRPC checks the batch size likewise.
                .maxRequestLength(0)
                .requestTimeout(settings.kafkaTimeout().plusSeconds(10))
                .meterRegistry(registry)
                .gracefulShutdownTimeout(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .route().methods(HttpMethod.POST, HttpMethod.OPTIONS).path("/v1/events")
                .decorator(timed("rest", metrics))
                .decorator(cors(settings))
                .build(new EventsHttpService(settings, authenticator, ipResolver, intake, metrics))
                .service(GrpcService.builder()
                        .addService(new CollectorGrpcService(settings, authenticator, ipResolver, intake, metrics))
                        .useBlockingTaskExecutor(true)
                        .maxRequestMessageLength(Math.max(settings.maxBodyBytes() * 4, 8 * 1024 * 1024))
                        .build(), service -> service.decorate(timed("grpc", metrics)))
                .service("/healthz", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok"))
                .service("/readyz", (ctx, req) -> HttpResponse.of(CompletableFuture.supplyAsync(
                        () -> sink.isReady()
                                ? HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ready")
                                : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8,
                                        "kafka unreachable"),
                        ctx.blockingTaskExecutor())))
                .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
                        MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), registry.scrape()))
                .build();
        try {
            server.start().join();
        } catch (RuntimeException e) {
            sink.close();
            throw new IllegalStateException("Collector could not listen on port " + settings.port() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("Collector listening on port {} (REST POST /v1/events and gRPC CollectorService)",
                server.activeLocalPort());
        return new CollectorServer(server, sink, registry);
    }

    /** Lets browsers (tracker.js) post events from the allowed origins, with the write-key header. */
    private static java.util.function.Function<? super HttpService, ? extends HttpService> cors(CollectorConfig settings) {
        CorsServiceBuilder builder = settings.corsAllowedOrigins().contains("*") ? CorsService.builderForAnyOrigin()
                : CorsService.builder(settings.corsAllowedOrigins());
        return builder.allowRequestMethods(HttpMethod.POST)
                .allowRequestHeaders("content-type", WriteKeyAuthenticator.HEADER)
                .maxAge(3600)
                .newDecorator();
    }

    /** Records each request's latency, by transport and HTTP status, once its answer is sent. */
    private static DecoratingHttpServiceFunction timed(String transport, CollectorMetrics metrics) {
        return (delegate, ctx, req) -> {
            long start = System.nanoTime();
            ctx.log().whenComplete().thenAccept(log -> metrics.request(transport,
                    log.responseHeaders().status().code(), Duration.ofNanos(System.nanoTime() - start)));
            return delegate.serve(ctx, req);
        };
    }

    public int port() {
        return server.activeLocalPort();
    }

    public boolean isReady() {
        return sink.isReady();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.stop().join();
        sink.close();
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    /** Runs the collector alone against the configured Kafka cluster. */
    public static void main(String[] args) {
        Config config = PlatformConfig.load(Optional.empty(), Map.of());
        CollectorServer collector = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(collector::close, "collector-shutdown"));
    }
}
