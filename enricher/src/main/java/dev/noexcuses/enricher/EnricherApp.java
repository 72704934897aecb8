package dev.noexcuses.enricher;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.enricher.api.ApiSettings;
import dev.noexcuses.enricher.api.EnrichmentApiClient;
import dev.noexcuses.enricher.enrich.Enrichment;
import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.enrich.GeoIpEnrichment;
import dev.noexcuses.enricher.enrich.ModelScoreEnrichment;
import dev.noexcuses.enricher.enrich.ProductDetailsEnrichment;
import dev.noexcuses.enricher.enrich.PseudonymisationEnrichment;
import dev.noexcuses.enricher.enrich.UserAgentEnrichment;
import dev.noexcuses.enricher.geo.DbipLiteDownload;
import dev.noexcuses.enricher.geo.GeoDatabaseFiles;
import dev.noexcuses.enricher.registry.DirectorySchemaSource;
import dev.noexcuses.enricher.registry.HttpSchemaSource;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import dev.noexcuses.enricher.registry.SchemaSource;
import dev.noexcuses.enricher.stream.EnricherMetrics;
import dev.noexcuses.enricher.stream.EnricherTopology;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enricher, running: a Kafka Streams application (exactly-once v2) from the raw topic to the
 * enriched topic and its DLQ, plus its admin server. {@link #start(Config)} starts it and returns at
 * once; {@link #close()} stops it, committing what was processed.
 */
public final class EnricherApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnricherApp.class);

    private final KafkaStreams streams;
    private final PrometheusMeterRegistry meters;
    private final EnricherMetrics metrics;
    private final List<AutoCloseable> resources;
    private final AdminServer admin;
    private final KafkaStreamsMetrics streamsMetrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EnricherApp(KafkaStreams streams, PrometheusMeterRegistry meters, EnricherMetrics metrics,
                        List<AutoCloseable> resources, AdminServer admin, KafkaStreamsMetrics streamsMetrics) {
        this.streams = streams;
        this.meters = meters;
        this.metrics = metrics;
        this.resources = resources;
        this.admin = admin;
        this.streamsMetrics = streamsMetrics;
    }

    /** Starts the enricher with the {@code enricher.*} and {@code kafka.*} settings of {@code config}. */
    public static EnricherApp start(Config config) {
        requireNonNull(config, "config is null");
        Config c = config.getConfig("enricher");
        Secrets.refuseDefaultsOffLoopback("enricher",
                c.getInt("admin.port") >= 0 ? List.of(c.getString("admin.host")) : List.of(),
                Map.of("pseudonymisation.key", c.getString("enrichments.pseudonymise.key")));
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            ResolvedSchemas schemas = new ResolvedSchemas(schemaSource(c.getConfig("registry")),
                    c.getDuration("registry.cache-ttl"), c.getDuration("registry.miss-ttl"));
            EnrichmentChain chain = new EnrichmentChain(enrichments(config, clock, meters, resources), meters, clock);
            EnricherMetrics metrics = new EnricherMetrics(meters);
            Optional<Duration> dedup = c.getBoolean("dedup.enabled") ? Optional.of(c.getDuration("dedup.window"))
                    : Optional.empty();
            String store = c.getString("dedup.store");
            if (!store.equals("persistent") && !store.equals("in-memory")) {
                throw new IllegalArgumentException("Invalid enricher.dedup.store '" + store
                        + "': expected persistent or in-memory");
            }
            Topology topology = EnricherTopology.build(new EnricherTopology.Options(
                    c.getString("topics.input"), c.getString("topics.output"), c.getString("topics.dlq"),
                    dedup, store.equals("persistent")), schemas, chain, metrics, clock);

            KafkaStreams streams = new KafkaStreams(topology, streamsProperties(config));
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("Enricher stream thread failed; replacing it", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(meters);

            AdminServer admin = null;
            int adminPort = c.getInt("admin.port");
            if (adminPort >= 0) {
                admin = AdminServer.start(AdminServer.Access.from(c.getConfig("admin")),
                        () -> healthy(streams.state()), () -> streams.state() == KafkaStreams.State.RUNNING, meters);
            }
            streams.start();
            LOG.info("Enricher started: {} -> {} / {}, enrichments {}, dedup {}, schemas from {}{}",
                    c.getString("topics.input"), c.getString("topics.output"), c.getString("topics.dlq"),
                    chain.names(), dedup.map(Duration::toString).orElse("off"), schemas.describe(),
                    admin == null ? "" : ", admin port " + admin.port());
            return new EnricherApp(streams, meters, metrics, resources, admin, streamsMetrics);
        } catch (RuntimeException e) {
            closeAll(resources);
            meters.close();
            throw e;
        }
    }

    private static SchemaSource schemaSource(Config registry) {
        String location = registry.getString("location");
        if (location.startsWith("http://") || location.startsWith("https://")) {
            return new HttpSchemaSource(location, registry.getDuration("timeout"));
        }
        return new DirectorySchemaSource(Path.of(location));
    }

    private static List<Enrichment> enrichments(Config config, Clock clock, PrometheusMeterRegistry meters,
                                                List<AutoCloseable> resources) {
        Config e = config.getConfig("enricher.enrichments");
        List<Enrichment> chain = new ArrayList<>();
        // Order matters: user agent and GeoIP read the clear values that pseudonymisation replaces.
        if (e.getBoolean("user-agent.enabled")) {
            chain.add(new UserAgentEnrichment(e.getInt("user-agent.cache-size")));
        }
        if (e.getBoolean("geoip.enabled")) {
            geoIp(e.getConfig("geoip")).ifPresent(geo -> {
                resources.add(geo);
                chain.add(geo);
            });
        }
        if (e.getBoolean("pseudonymise.enabled")) {
            chain.add(new PseudonymisationEnrichment(new Pseudonymiser(e.getString("pseudonymise.key"),
                    e.getStringList("pseudonymise.fields"),
                    Pseudonymiser.IpMode.parse(e.getString("pseudonymise.ip-mode")))));
        }
        boolean products = e.getBoolean("product-details.enabled");
        boolean score = e.getBoolean("model-score.enabled");
        if (products || score) {
            ApiSettings api = ApiSettings.from(config);
            EnrichmentApiClient client = new EnrichmentApiClient(api, meters);
            resources.add(client);
            if (products) {
                chain.add(new ProductDetailsEnrichment(client, api));
            }
            if (score) {
                chain.add(new ModelScoreEnrichment(client, e.getDuration("model-score.no-model-recheck"), clock));
            }
        }
        return chain;
    }

    /**
     * The GeoIP enrichment on the configured database, else on DB-IP Lite (downloaded once). Without
     * a network and a cached copy the enricher runs without it, and says so.
     */
    private static Optional<GeoIpEnrichment> geoIp(Config geoip) {
        List<Path> files;
        try {
            files = GeoDatabaseFiles.resolve(geoip, LOG::info);
        } catch (DbipLiteDownload.UnavailableException e) {
            LOG.warn("{}. {}", e.getMessage(), GeoDatabaseFiles.offlineAdvice());
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the GeoIP database folder: " + e.getMessage(), e);
        }
        GeoIpEnrichment geo = GeoIpEnrichment.open(files, geoip.getInt("cache-size"));
        LOG.info("GeoIP database: {}", geo.describe());
        return Optional.of(geo);
    }

    static Properties streamsProperties(Config config) {
        Config c = config.getConfig("enricher");
        Properties props = KafkaClients.base(config);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, c.getString("application-id"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.getInt("stream-threads"));
        props.put(StreamsConfig.STATE_DIR_CONFIG, Path.of(c.getString("state-dir")).toAbsolutePath().toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, c.getDuration("commit-interval").toMillis());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.getInt("kafka.topics.replication-factor"));
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        // Each commit ends a transaction; the next one's first batch, sent while the coordinator still
        // writes the previous one's markers, is answered CONCURRENT_TRANSACTIONS and retried after the
        // producer's backoff, which doubles up to retry.backoff.max.ms (1 s). At low rates almost every
        // transaction starts that way and events waited seconds; short retries keep it to milliseconds.
        props.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 10);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), 50);
        // Static membership: close() then removes this instance from the group, so its partitions move
        // to the other instances at once instead of after the session timeout.
        String instanceId = c.getString("instance-id").isBlank()
                ? "enricher-" + UUID.randomUUID().toString().substring(0, 8) : c.getString("instance-id");
        props.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        for (Map.Entry<String, ConfigValue> extra : c.getConfig("streams").entrySet()) {
            props.put(extra.getKey(), String.valueOf(extra.getValue().unwrapped()));
        }
        return props;
    }

    private static boolean healthy(KafkaStreams.State state) {
        return state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING
                || state == KafkaStreams.State.RUNNING;
    }

    /** Alive: starting, rebalancing or running (not failed, not stopped). */
    public boolean isHealthy() {
        return healthy(streams.state());
    }

    /** Processing: every assigned partition is being worked on. */
    public boolean isRunning() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The admin server's port ({@code /healthz}, {@code /readyz}, {@code /metrics}); -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public EnricherMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    /** Stops processing (committing what was done, leaving the group so partitions move at once), then the rest. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
        streamsMetrics.close();
        if (admin != null) {
            admin.close();
        }
        closeAll(resources);
        meters.close();
        LOG.info("Enricher stopped");
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("Error closing {}: {}", resource, e.toString());
            }
        }
    }

    /** Runs the enricher alone: {@code java ... EnricherApp [platform.conf]}, until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Optional<Path> file = args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty();
        EnricherApp app = start(PlatformConfig.load(file, Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "enricher-shutdown"));
        stopped.await();
    }
}
