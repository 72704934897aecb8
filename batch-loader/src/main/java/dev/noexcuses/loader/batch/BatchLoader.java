package dev.noexcuses.loader.batch;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.loader.batch.admin.LoaderMetrics;
import dev.noexcuses.loader.batch.buffer.TableBuffer;
import dev.noexcuses.loader.batch.commit.IcebergCommitter;
import dev.noexcuses.loader.batch.commit.OrphanFileCleaner;
import dev.noexcuses.loader.batch.consume.LoadLoop;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import dev.noexcuses.loader.batch.write.RowDecoder;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch loader: enriched events and both dead-letter topics into the raw Iceberg tables,
 * exactly once. {@link #start(Config)} opens the tables (creating them if needed), starts the
 * loading thread and the admin server; {@link #close()} flushes and commits what is buffered.
 */
public final class BatchLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);

    private final LoaderSettings settings;
    private final LakeCatalog lake;
    private final LoadLoop loop;
    private final Thread thread;
    private final AdminServer admin;
    private final LoaderMetrics metrics;
    private boolean closed;

    private BatchLoader(LoaderSettings settings, LakeCatalog lake, LoadLoop loop, Thread thread, AdminServer admin,
                        LoaderMetrics metrics) {
        this.settings = settings;
        this.lake = lake;
        this.loop = loop;
        this.thread = thread;
        this.admin = admin;
        this.metrics = metrics;
    }

    public static BatchLoader start(Config config) {
        requireNonNull(config, "config is null");
        Secrets.refuseDefaultsOffLoopback("batch-loader", java.util.List.of(config.getString("batch-loader.admin.host")),
                java.util.Map.of(
                "pseudonymisation.key", config.getString("pseudonymisation.key"),
                "postgres.password", config.getString("postgres.password"),
                "s3.secret-key", config.getString("s3.secret-key")));
        LoaderSettings settings = LoaderSettings.from(config);
        LakeCatalog lake = LakeCatalog.open(settings.lake());
        try {
            Table enriched = EventTables.ensure(lake.catalog(), EventTables.identifier(settings.enrichedTable()),
                    EventTables.ENRICHED_EVENTS, settings.tableProperties());
            Table failed = EventTables.ensure(lake.catalog(), EventTables.identifier(settings.failedTable()),
                    EventTables.FAILED_EVENTS, settings.tableProperties());
            LoaderMetrics metrics = new LoaderMetrics();
            Properties props = KafkaClients.consumer(config, settings.groupId());
            props.put("client.id", "batch-loader-" + settings.instanceId());
            if (settings.staticMembership()) {
                props.put("group.instance.id", settings.instanceId());
            }
            props.put("max.poll.records", String.valueOf(settings.maxPollRecords()));
            // The classic consumer reads the socket only inside poll(): a large receive buffer lets the
            // broker keep sending while a batch is being written, instead of stalling on a 64 KiB window.
            props.putIfAbsent("receive.buffer.bytes", String.valueOf(4 * 1024 * 1024));
            props.putIfAbsent("fetch.max.bytes", String.valueOf(32 * 1024 * 1024));
            props.putIfAbsent("max.partition.fetch.bytes", String.valueOf(2 * 1024 * 1024));
            KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
            LoadLoop loop = new LoadLoop(settings, consumer, new RowDecoder(enriched.schema(), failed.schema(),
                    Pseudonymiser.from(config)),
                    table(enriched, settings, metrics), table(failed, settings, metrics),
                    new OrphanFileCleaner(settings.orphanFilesMinAge()), metrics);
            Thread thread = new Thread(loop, "batch-loader");
            AdminServer admin = AdminServer.start(new AdminServer.Access(settings.adminHost(), settings.adminPort(),
                    config.getString("batch-loader.admin.token")), loop::isHealthy,
                    loop::isReady, () -> status(settings, metrics), metrics.registry());
            thread.start();
            LOG.info("Batch loader {} started: {} -> {}, {} -> {}; flush at {} bytes or {}; admin on port {}",
                    settings.instanceId(), settings.enrichedTopic(), settings.enrichedTable(), settings.failedTopics(),
                    settings.failedTable(), settings.targetFileSizeBytes(), settings.maxBufferAge(), admin.port());
            return new BatchLoader(settings, lake, loop, thread, admin, metrics);
        } catch (RuntimeException e) {
            lake.close();
            throw e;
        }
    }

    private static LoadLoop.Table table(Table table, LoaderSettings settings, LoaderMetrics metrics) {
        OutputFileFactory files = OutputFileFactory.builderFor(table, 0, 0)
                .format(FileFormat.PARQUET)
                .operationId(settings.instanceId() + "-" + UUID.randomUUID())
                .build();
        return new LoadLoop.Table(
                new TableBuffer(table.name(), () -> new PartitionedFileWriter(table, files,
                        settings.targetFileSizeBytes())),
                new IcebergCommitter(table, settings.groupId(), settings.instanceId(), settings.commitRetries(),
                        settings.commitRetryBackoff()),
                metrics.table(table.name()));
    }

    private static String status(LoaderSettings settings, LoaderMetrics metrics) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("instance_id", settings.instanceId());
        node.put("group_id", settings.groupId());
        node.put("last_commit_at", metrics.lastCommitMillis() == 0 ? null
                : java.time.Instant.ofEpochMilli(metrics.lastCommitMillis()).toString());
        node.put("errors", metrics.errors());
        return Json.toText(node);
    }

    public static Schema enrichedSchema() {
        return EventTables.ENRICHED_EVENTS;
    }

    public LoaderSettings settings() {
        return settings;
    }

    public LoaderMetrics metrics() {
        return metrics;
    }

    public int adminPort() {
        return admin.port();
    }

    public boolean isHealthy() {
        return loop.isHealthy();
    }

    /** The Kafka partitions this instance loads now. */
    public java.util.Set<org.apache.kafka.common.TopicPartition> ownedPartitions() {
        return loop.ownedPartitions();
    }

    /** Partitions assigned and read from the offsets stored in the tables. */
    public boolean isReady() {
        return loop.isReady();
    }

    /** Flushes and commits what is buffered, then stops. */
    @Override
    public synchronized void close() {
        stop(true);
    }

    /**
     * Stops without flushing: buffered rows are dropped as in a crash, and will be read again from
     * Kafka by the next loader. For tests and for shutting down fast.
     */
    public synchronized void abandon() {
        stop(false);
    }

    private void stop(boolean flush) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            loop.stop(flush, Duration.ofMinutes(2));
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            admin.close();
            lake.close();
            LOG.info("Batch loader {} stopped{}", settings.instanceId(), flush ? "" : " without flushing");
        }
    }
}
