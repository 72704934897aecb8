package dev.noexcuses.loader.realtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.loader.realtime.consume.LoadLoop;
import dev.noexcuses.loader.realtime.document.DocumentMapper;
import dev.noexcuses.loader.realtime.index.BulkWriter;
import dev.noexcuses.loader.realtime.index.IndexTemplates;
import dev.noexcuses.loader.realtime.index.RetentionSweeper;
import dev.noexcuses.loader.realtime.index.SearchClients;
import dev.noexcuses.loader.realtime.metrics.LoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real-time loader, running: enriched events and failed-event records from Kafka into daily
 * OpenSearch indices, plus retention and an admin server. {@link #start(Config)} returns at once (the
 * loader waits for the cluster by itself); {@link #close()} writes and commits what was read, then stops.
 */
public final class RealtimeLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RealtimeLoader.class);

    private final LoaderSettings settings;
    private final LoadLoop loop;
    private final Thread loopThread;
    private final ScheduledExecutorService retention;
    private final OpenSearchClient client;
    private final KafkaClientMetrics consumerMetrics;
    private final PrometheusMeterRegistry meters;
    private final LoaderMetrics metrics;
    private final AdminServer admin;

    private RealtimeLoader(LoaderSettings settings, LoadLoop loop, Thread loopThread, ScheduledExecutorService retention,
                           OpenSearchClient client, KafkaClientMetrics consumerMetrics, PrometheusMeterRegistry meters,
                           LoaderMetrics metrics, AdminServer admin) {
        this.settings = settings;
        this.loop = loop;
        this.loopThread = loopThread;
        this.retention = retention;
        this.client = client;
        this.consumerMetrics = consumerMetrics;
        this.meters = meters;
        this.metrics = metrics;
        this.admin = admin;
    }

    /** Starts the loader with the {@code realtime-loader.*}, {@code opensearch.*} and {@code kafka.*} settings. */
    public static RealtimeLoader start(Config config) {
        requireNonNull(config, "config is null");
        LoaderSettings settings = LoaderSettings.from(config);
        Secrets.refuseDefaultsOffLoopback("realtime-loader",
                settings.adminPort() >= 0 ? List.of(settings.adminHost()) : List.of(),
                Map.of("pseudonymisation.key", config.getString("pseudonymisation.key"),
                        "opensearch.password", config.getString("opensearch.password")));
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        LoaderMetrics metrics = new LoaderMetrics(meters, settings.topics());
        OpenSearchClient client = SearchClients.create(settings.cluster(), settings.requestTimeout());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties(config, settings));
        KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(meters);

        LoadLoop loop = new LoadLoop(consumer,
                new DocumentMapper(new DocumentMapper.Options(settings.enrichedTopic(), settings.enrichedPrefix(),
                        settings.failedPrefix(), settings.dayFrom()), Pseudonymiser.from(config), clock),
                new BulkWriter(client, metrics, settings.initialBackoff(), settings.maxBackoff()),
                new IndexTemplates(client, new IndexTemplates.Options(settings.enrichedPrefix(), settings.failedPrefix(),
                        settings.shards(), settings.replicas(), settings.refreshInterval(), settings.dataMapping())),
                metrics,
                new LoadLoop.Options(settings.topics(), settings.bulkMaxDocuments(), settings.bulkMaxBytes(),
                        settings.flushInterval(), settings.initialBackoff(), settings.maxBackoff()));
        Thread loopThread = new Thread(loop, "realtime-loader");

        ScheduledExecutorService retention = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "realtime-loader-retention");
            t.setDaemon(true);
            return t;
        });
        RetentionSweeper sweeper = new RetentionSweeper(client,
                List.of(settings.enrichedPrefix(), settings.failedPrefix()), settings.retentionDays(), clock);
        long every = settings.retentionCheckInterval().toMillis();
        retention.scheduleWithFixedDelay(() -> sweep(sweeper), Math.min(every, 10_000), every, TimeUnit.MILLISECONDS);

        AdminServer admin = null;
        if (settings.adminPort() >= 0) {
            admin = AdminServer.start(new AdminServer.Access(settings.adminHost(), settings.adminPort(),
                    config.getString("realtime-loader.admin.token")), loop::isHealthy, loop::isReady, meters);
        }
        loopThread.start();
        LOG.info("Realtime loader started: {} -> {}YYYY.MM.DD, {} -> {}YYYY.MM.DD on {}{}", settings.enrichedTopic(),
                settings.enrichedPrefix(), settings.failedTopics(), settings.failedPrefix(), settings.cluster(),
                admin == null ? "" : ", admin port " + admin.port());
        return new RealtimeLoader(settings, loop, loopThread, retention, client, consumerMetrics, meters, metrics, admin);
    }

    static Properties consumerProperties(Config config, LoaderSettings settings) {
        Properties props = KafkaClients.consumer(config, settings.groupId());
        props.put("client.id", settings.groupId() + "-" + ProcessHandle.current().pid());
        // One poll fills at most one bulk request.
        props.put("max.poll.records", String.valueOf(settings.bulkMaxDocuments()));
        props.putAll(settings.consumerProperties());
        return props;
    }

    private static void sweep(RetentionSweeper sweeper) {
        try {
            sweeper.sweep();
        } catch (Exception e) {
            LOG.warn("Retention check failed ({}); trying again at the next one", e.toString());
        }
    }

    /** The loop is alive (it may be waiting for the cluster). */
    public boolean isHealthy() {
        return loopThread.isAlive() && loop.isHealthy();
    }

    /** Loading: templates installed and the cluster taking documents. */
    public boolean isReady() {
        return loopThread.isAlive() && loop.isReady();
    }

    /** The admin server's port ({@code /healthz}, {@code /readyz}, {@code /metrics}); -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public LoaderMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return meters;
    }

    public LoaderSettings settings() {
        return settings;
    }

    /** Writes and commits what was read (within {@code realtime-loader.shutdown-timeout}), then stops. */
    @Override
    public void close() {
        loop.stop(settings.shutdownTimeout());
        try {
            loopThread.join(settings.shutdownTimeout().plusSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        retention.shutdownNow();
        if (admin != null) {
            admin.close();
        }
        consumerMetrics.close();
        SearchClients.close(client);
        meters.close();
        LOG.info("Realtime loader stopped");
    }

    /** Runs the loader alone: {@code java ... RealtimeLoader [platform.conf]}, until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Optional<Path> file = args.length > 0 ? Optional.of(Path.of(args[0])) : Optional.empty();
        RealtimeLoader loader = start(PlatformConfig.load(file, Map.of()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            loader.close();
            stopped.countDown();
        }, "realtime-loader-shutdown"));
        stopped.await();
    }

}
