package dev.noexcuses.collector;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.cors.CorsService;
import com.linecorp.armeria.server.cors.CorsServiceBuilder;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.typesafe.config.Config;
import dev.noexcuses.collector.auth.HangupSignal;
import dev.noexcuses.collector.auth.WriteKeyCheck;
import dev.noexcuses.common.security.Secrets;
import java.util.List;
import dev.noexcuses.collector.grpc.CollectorGrpcService;
import dev.noexcuses.collector.grpc.GrpcBodyCheck;
import dev.noexcuses.collector.http.EventsHttpService;
import dev.noexcuses.collector.intake.ClientIpResolver;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.sink.KafkaEventSink;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.intake.TopLevelValidator;
import dev.noexcuses.common.intake.WriteKeys;
import dev.noexcuses.common.kafka.KafkaClients;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector: REST ({@code POST /v1/events}) and gRPC ({@code CollectorService}) on one port,
 * plain or TLS; {@code /healthz}, {@code /readyz} and {@code /metrics} on a separate admin port,
 * bound to loopback by default. Write keys are reloaded on SIGHUP.
 */
public final class CollectorServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorServer.class);

    private final Server server;
    private final AdminServer admin;
    private final KafkaEventSink sink;
    private final PrometheusMeterRegistry registry;
    private final AutoCloseable reloadRegistration;

    private CollectorServer(Server server, AdminServer admin, KafkaEventSink sink, PrometheusMeterRegistry registry,
                            AutoCloseable reloadRegistration) {
        this.server = server;
        this.admin = admin;
        this.sink = sink;
        this.registry = registry;
        this.reloadRegistration = reloadRegistration;
    }

    /** Starts a collector with the {@code collector} and {@code kafka} settings of {@code config}. */
    public static CollectorServer start(Config config) {
        requireNonNull(config, "config is null");
        CollectorConfig settings = CollectorConfig.from(config);
        WriteKeys writeKeys = WriteKeys.from(config);
        String host = config.getString("collector.host");
        Secrets.refuseDefaultsOffLoopback("collector", List.of(host), configuredWriteKeys(config));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        KafkaEventSink sink = new KafkaEventSink(producerProperties(config), KafkaClients.base(config),
                settings.kafkaTimeout(), registry);
        CollectorMetrics metrics = new CollectorMetrics(registry);
        EventIntake intake = new EventIntake(new TopLevelValidator(settings.limits()), sink, metrics, hostName(),
                settings.failedPayloadKeepBytes());
        WriteKeyCheck keyCheck = new WriteKeyCheck(writeKeys, new ClientIpResolver(settings.trustedProxies()), intake,
                metrics, settings.failedPayloadKeepBytes(), settings.recordAuthFailures(), settings.authFailureBurst(),
                settings.authFailuresPerSecond());

        ServerBuilder builder = Server.builder();
        if (settings.eventLoops() > 0) {
            builder.workerGroup(EventLoopGroups.newEventLoopGroup(settings.eventLoops()), true);
        }
        if (settings.tls().isPresent()) {
            CollectorConfig.Tls tls = settings.tls().get();
            builder.https(new java.net.InetSocketAddress(host, settings.port())).tls(tls.certFile().toFile(), tls.keyFile().toFile());
        } else {
            builder.http(new java.net.InetSocketAddress(host, settings.port()));
        }
        Server server = builder
                // The services read bodies themselves up to collector.max-body-bytes (after
                // decompression), keeping the first bytes of what they refuse for its record.
                .maxRequestLength(0)
                .requestTimeout(settings.kafkaTimeout().plusSeconds(10))
                .meterRegistry(registry)
                .gracefulShutdownTimeout(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .route().methods(HttpMethod.POST, HttpMethod.OPTIONS).path("/v1/events")
                .decorator(keyCheck)
                .decorator(timed("rest", metrics))
                .decorator(cors(settings))
                .build(new EventsHttpService(settings, intake, metrics))
                .service(GrpcService.builder()
                        .addService(new CollectorGrpcService(intake))
                        .maxRequestMessageLength(settings.maxBodyBytes() + 1024)
                        .build(), service -> service.decorate(new GrpcBodyCheck(intake, settings.maxBodyBytes()))
                        .decorate(keyCheck)
                        .decorate(timed("grpc", metrics)))
                .build();
        AdminServer admin = null;
        try {
            server.start().join();
            if (settings.adminPort() >= 0) {
                admin = AdminServer.start(new AdminServer.Access(settings.adminHost(), settings.adminPort(),
                        config.getString("collector.admin.token")), () -> true, sink::isReady, registry);
            }
        } catch (RuntimeException e) {
            server.stop().join();
            sink.close();
            throw new IllegalStateException("Collector could not listen on port " + settings.port() + " (admin "
                    + settings.adminHost() + ":" + settings.adminPort() + "): " + e.getMessage(), e);
        }
        AutoCloseable reload = HangupSignal.onHangup(() -> reloadWriteKeys(config, keyCheck, metrics));
        LOG.info("Collector listening on port {} ({}; REST POST /v1/events and gRPC CollectorService), admin on {}:{}",
                server.activeLocalPort(), settings.tls().isPresent() ? "TLS" : "plain HTTP", settings.adminHost(),
                admin == null ? "off" : String.valueOf(admin.port()));
        return new CollectorServer(server, admin, sink, registry, reload);
    }

    /** Reads the configuration the collector was started from again and swaps in its write keys. */
    private static void reloadWriteKeys(Config started, WriteKeyCheck keyCheck, CollectorMetrics metrics) {
        try {
            WriteKeys keys = WriteKeys.from(PlatformConfig.reload(started));
            keyCheck.replaceKeys(keys);
            metrics.writeKeysReloaded();
            LOG.info("Reloaded write keys: {} valid", keys.size());
        } catch (RuntimeException e) {
            LOG.error("Write keys not reloaded, the previous ones stay valid: {}", e.getMessage());
        }
    }

    /**
     * The collector's producer: acks=all and idempotent (a 2xx means durable), bounded by the Kafka
     * timeout. Also what the benchmark's raw-producer baseline uses, so both send alike.
     */
    public static Properties producerProperties(Config config) {
        CollectorConfig settings = CollectorConfig.from(config);
        Properties producer = KafkaClients.reliableProducer(config, "collector", settings.kafkaTimeout().toMillis());
        // Requests already arrive in batches and each waits for its acknowledgement: a long linger
        // would only add to every request's latency.
        producer.put("linger.ms", String.valueOf(settings.kafkaLinger().toMillis()));
        producer.put("compression.type", settings.kafkaCompression());
        return producer;
    }

    /** Every configured write key (clear or sha256: form) by its setting, for the default-secret check. */
    private static Map<String, String> configuredWriteKeys(Config config) {
        Map<String, String> keys = new java.util.LinkedHashMap<>();
        List<? extends Config> entries = config.getConfigList("collector.write-keys");
        for (int i = 0; i < entries.size(); i++) {
            Config entry = entries.get(i);
            if (entry.hasPath("key")) {
                keys.put("collector.write-keys[" + i + "].key", entry.getString("key"));
            }
            if (entry.hasPath("keys")) {
                List<String> several = entry.getStringList("keys");
                for (int k = 0; k < several.size(); k++) {
                    keys.put("collector.write-keys[" + i + "].keys[" + k + "]", several.get(k));
                }
            }
        }
        return keys;
    }

    /** Lets browsers (tracker.js) post events from the configured origins only, with the write-key header. */
    private static Function<? super HttpService, ? extends HttpService> cors(CollectorConfig settings) {
        if (settings.corsAllowedOrigins().isEmpty()) {
            return Function.identity();
        }
        CorsServiceBuilder builder = settings.corsAllowedOrigins().contains("*") ? CorsService.builderForAnyOrigin()
                : CorsService.builder(settings.corsAllowedOrigins());
        return builder.allowRequestMethods(HttpMethod.POST)
                .allowRequestHeaders("content-type", "content-encoding", WriteKeyCheck.HEADER)
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

    /** The admin port ({@code /healthz}, {@code /readyz}, {@code /metrics}); -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public boolean isReady() {
        return sink.isReady();
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        try {
            reloadRegistration.close();
        } catch (Exception e) {
            LOG.debug("Could not unregister the reload: {}", e.toString());
        }
        server.stop().join();
        if (admin != null) {
            admin.close();
        }
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
