package dev.noexcuses.loader.batch.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/** The loader's meters, scraped at {@code /metrics}. Meters are created once per tag and cached. */
public final class LoaderMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> consumed = new ConcurrentHashMap<>();
    private final Map<String, TableMeters> tables = new ConcurrentHashMap<>();
    private final AtomicLong lastCommitMillis = new AtomicLong();
    private final Counter loopErrors = Counter.builder("batch_loader_errors_total")
            .description("Failed flushes or commits; the loader rewinds to the committed offsets and goes on")
            .register(registry);

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void consumed(String topic, int count) {
        consumed.computeIfAbsent(topic, t -> Counter.builder("batch_loader_records_consumed_total")
                .description("Kafka records read").tag("topic", t).register(registry)).increment(count);
    }

    public TableMeters table(String table) {
        return tables.computeIfAbsent(table, (Function<String, TableMeters>) t -> new TableMeters(t, registry));
    }

    public void error() {
        loopErrors.increment();
    }

    public double errors() {
        return loopErrors.count();
    }

    public void committedNow() {
        lastCommitMillis.set(System.currentTimeMillis());
    }

    public long lastCommitMillis() {
        return lastCommitMillis.get();
    }

    /** Per-table meters. */
    public static final class TableMeters {
        public final Counter rowsCommitted;
        public final Counter filesCommitted;
        public final Counter bytesCommitted;
        public final Counter commits;
        public final Counter offsetOnlyCommits;
        public final Counter commitRetries;
        public final Counter fencedBatches;
        public final Counter orphanFilesDeleted;
        public final DistributionSummary fileSize;
        public final Timer flushDuration;
        public final Timer visibilityDelay;
        public final AtomicLong bufferedRows = new AtomicLong();

        TableMeters(String table, PrometheusMeterRegistry registry) {
            rowsCommitted = Counter.builder("batch_loader_rows_committed_total").tag("table", table).register(registry);
            filesCommitted = Counter.builder("batch_loader_files_committed_total").tag("table", table)
                    .register(registry);
            bytesCommitted = Counter.builder("batch_loader_bytes_committed_total").tag("table", table)
                    .register(registry);
            commits = Counter.builder("batch_loader_commits_total").tag("table", table).register(registry);
            offsetOnlyCommits = Counter.builder("batch_loader_offset_only_commits_total")
                    .description("Commits that only moved offsets (the records went to the other table)")
                    .tag("table", table).register(registry);
            commitRetries = Counter.builder("batch_loader_commit_retries_total")
                    .description("Commit attempts retried after a concurrent commit").tag("table", table)
                    .register(registry);
            fencedBatches = Counter.builder("batch_loader_fenced_batches_total")
                    .description("Batches refused because another instance had committed their partitions")
                    .tag("table", table).register(registry);
            orphanFilesDeleted = Counter.builder("batch_loader_orphan_files_deleted_total").tag("table", table)
                    .register(registry);
            fileSize = DistributionSummary.builder("batch_loader_data_file_bytes").baseUnit("bytes")
                    .publishPercentiles(0.5, 0.9).tag("table", table).register(registry);
            flushDuration = Timer.builder("batch_loader_flush_seconds")
                    .description("Closing the data files and committing them").tag("table", table)
                    .publishPercentiles(0.5, 0.99).register(registry);
            visibilityDelay = Timer.builder("batch_loader_visibility_delay_seconds")
                    .description("From a batch's first buffered row to its commit: how long rows wait to be visible")
                    .tag("table", table).publishPercentiles(0.5, 0.99).register(registry);
            registry.gauge("batch_loader_buffered_rows", io.micrometer.core.instrument.Tags.of("table", table),
                    bufferedRows);
        }

        public void visibleAfter(Duration delay) {
            visibilityDelay.record(delay);
        }
    }
}
