package dev.noexcuses.loader.batch.consume;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Execution;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import dev.noexcuses.loader.batch.LoaderSettings;
import dev.noexcuses.loader.batch.admin.LoaderMetrics;
import dev.noexcuses.loader.batch.buffer.TableBuffer;
import dev.noexcuses.loader.batch.commit.IcebergCommitter;
import dev.noexcuses.loader.batch.commit.OrphanFileCleaner;
import dev.noexcuses.loader.batch.write.RowDecoder;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.iceberg.DataFile;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader's one thread, top to bottom like the data: poll Kafka, decode each record into a row
 * of its table, buffer it in that table's open data files, and flush a table (close its files,
 * commit them with the offsets they cover) when a file is full or its oldest row is old enough.
 *
 * <p>Offsets are never taken from Kafka's group commits: on assignment each partition is read from
 * the offsets stored in the tables' snapshots. Kafka's group offsets are committed after each
 * table commit, for lag monitoring only.
 */
public final class LoadLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadLoop.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** After a failed step the loop waits, longer while failures go on, before reading again. */
    private static final RetryPolicy<Object> AFTER_ERRORS = Retries.exponentialBackoff(Duration.ofSeconds(2),
            Duration.ofSeconds(30)).withMaxRetries(-1).build();

    private final LoaderSettings settings;
    private final Consumer<String, byte[]> consumer;
    private final RowDecoder decoder;
    private final Table enriched;
    private final Table failed;
    private final OrphanFileCleaner orphans;
    private final LoaderMetrics metrics;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean flushOnStop = new AtomicBoolean(true);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean healthy = true;
    private volatile boolean assignedOnce;
    private final java.util.Set<TopicPartition> owned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private long nextOrphanCheckNanos;

    /** A table's buffer and committer. */
    public record Table(TableBuffer buffer, IcebergCommitter committer, LoaderMetrics.TableMeters meters) {}

    public LoadLoop(LoaderSettings settings, Consumer<String, byte[]> consumer, RowDecoder decoder, Table enriched,
                    Table failed, OrphanFileCleaner orphans, LoaderMetrics metrics) {
        this.settings = requireNonNull(settings, "settings is null");
        this.consumer = requireNonNull(consumer, "consumer is null");
        this.decoder = requireNonNull(decoder, "decoder is null");
        this.enriched = requireNonNull(enriched, "enriched is null");
        this.failed = requireNonNull(failed, "failed is null");
        this.orphans = requireNonNull(orphans, "orphans is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(settings.topics(), new Rebalance());
            scheduleOrphanCheck();
            Execution<Object> failures = Execution.of(AFTER_ERRORS);
            while (running.get()) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                    load(records);
                    flushDueTables();
                    cleanOrphansWhenDue();
                    if (!healthy) {
                        failures = Execution.of(AFTER_ERRORS);
                    }
                    healthy = true;
                } catch (WakeupException e) {
                    // stop() woke the poll.
                } catch (RuntimeException e) {
                    if (!running.get()) {
                        break;
                    }
                    metrics.error();
                    healthy = false;
                    failures.recordException(e);
                    Duration pause = failures.getDelay();
                    LOG.error("Loading failed; dropping uncommitted work and reading again from the committed "
                            + "offsets in {} ms", pause.toMillis(), e);
                    rewindAll();
                    pause(pause);
                }
            }
            if (flushOnStop.get()) {
                flushAll();
                commitKafkaOffsets(true);
            }
        } catch (RuntimeException e) {
            healthy = false;
            LOG.error("Batch loader stopped on an error", e);
        } finally {
            try {
                // A graceful stop leaves the group so others take the partitions now; a simulated crash stays.
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)).withGroupMembershipOperation(
                        flushOnStop.get() ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                                : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
            } catch (RuntimeException e) {
                LOG.warn("Error closing the consumer: {}", e.toString());
            }
            stopped.countDown();
        }
    }

    private void load(ConsumerRecords<String, byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> batch = records.records(tp);
            metrics.consumed(tp.topic(), batch.size());
            boolean fromEnriched = tp.topic().equals(settings.enrichedTopic());
            for (ConsumerRecord<String, byte[]> record : batch) {
                long offset = record.offset();
                if (fromEnriched) {
                    loadEnriched(tp, offset, record.value(), now);
                } else if (failed.buffer().needs(tp, offset)) {
                    RowDecoder.Row row = decoder.failed(record.value(), origin(tp, offset, now));
                    failed.buffer().add(tp, offset, row.record());
                }
                flushFullTables();
            }
        }
        enriched.meters().bufferedRows.set(enriched.buffer().bufferedRows());
        failed.meters().bufferedRows.set(failed.buffer().bufferedRows());
    }

    /** An enriched event goes to the enriched table, or to the failed table when unreadable; both track it. */
    private void loadEnriched(TopicPartition tp, long offset, byte[] value, OffsetDateTime now) {
        boolean enrichedNeeds = enriched.buffer().needs(tp, offset);
        boolean failedNeeds = failed.buffer().needs(tp, offset);
        if (!enrichedNeeds && !failedNeeds) {
            return;
        }
        RowDecoder.Row row = decoder.enriched(value, origin(tp, offset, now));
        Table target = row.failed() ? failed : enriched;
        Table other = row.failed() ? enriched : failed;
        if (target.buffer().needs(tp, offset)) {
            target.buffer().add(tp, offset, row.record());
        }
        other.buffer().passed(tp, offset);
    }

    private static RowDecoder.Origin origin(TopicPartition tp, long offset, OffsetDateTime now) {
        return new RowDecoder.Origin(tp.topic(), tp.partition(), offset, now);
    }

    /** A table with a file at the target size is committed at once, not at the end of the poll. */
    private void flushFullTables() {
        boolean committed = false;
        for (Table table : List.of(enriched, failed)) {
            if (table.buffer().hasFullFile()) {
                committed |= flush(table);
            }
        }
        if (committed) {
            commitKafkaOffsets(false);
        }
    }

    private void flushDueTables() {
        boolean committed = false;
        for (Table table : List.of(enriched, failed)) {
            if (table.buffer().due(settings.maxBufferAge())) {
                committed |= flush(table);
            }
        }
        if (committed) {
            commitKafkaOffsets(false);
        }
    }

    private void flushAll() {
        for (Table table : List.of(enriched, failed)) {
            if (table.buffer().hasWork()) {
                flush(table);
            }
        }
    }

    /** Closes the table's files and commits them with their offsets; true when committed. */
    private boolean flush(Table table) {
        long t0 = System.nanoTime();
        TableBuffer.Batch batch = table.buffer().drain();
        IcebergCommitter.Result result;
        try {
            result = table.committer().commit(batch.files(), batch.from(), batch.to(), table.meters().commitRetries::increment);
        } catch (RuntimeException e) {
            deleteQuietly(table, batch.files());
            throw e;
        }
        if (result.outcome() == IcebergCommitter.Outcome.FENCED) {
            table.meters().fencedBatches.increment();
            deleteQuietly(table, batch.files());
            Map<TopicPartition, Long> stored = new HashMap<>();
            batch.to().keySet().forEach(tp -> {
                if (result.offsets().containsKey(tp)) {
                    stored.put(tp, result.offsets().get(tp));
                }
            });
            table.buffer().rewind(stored);
            seekToNeeded(consumer.assignment());
            return false;
        }
        table.buffer().committed(batch);
        long now = System.currentTimeMillis();
        table.meters().flushDuration.record(Duration.ofNanos(System.nanoTime() - t0));
        table.meters().commits.increment();
        if (batch.files().isEmpty()) {
            table.meters().offsetOnlyCommits.increment();
        } else {
            table.meters().rowsCommitted.increment(batch.rows());
            table.meters().filesCommitted.increment(batch.files().size());
            table.meters().bytesCommitted.increment(batch.bytes());
            batch.files().forEach(f -> table.meters().fileSize.record(f.fileSizeInBytes()));
            table.meters().visibleAfter(Duration.ofMillis(now - batch.firstRowAtMillis()));
        }
        table.meters().bufferedRows.set(0);
        metrics.committedNow();
        LOG.debug("Committed {} row(s) in {} file(s) to {}, offsets {}", batch.rows(), batch.files().size(),
                table.buffer().table(), batch.to());
        return true;
    }

    private static void deleteQuietly(Table table, List<DataFile> files) {
        for (DataFile file : files) {
            try {
                table.committer().table().io().deleteFile(file.location());
            } catch (RuntimeException e) {
                LOG.warn("Cannot delete uncommitted file {} (the orphan cleanup will): {}", file.location(),
                        e.toString());
            }
        }
    }

    /** Kafka's group offsets follow the tables' (the lower of the two), for lag monitoring. */
    private void commitKafkaOffsets(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : consumer.assignment()) {
            Long position = committedPosition(tp);
            if (position != null) {
                offsets.put(tp, new OffsetAndMetadata(position));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(offsets, Duration.ofSeconds(5));
            } else {
                consumer.commitAsync(offsets, (o, e) -> {
                    if (e != null) {
                        LOG.debug("Kafka offset commit failed (only used for lag): {}", e.toString());
                    }
                });
            }
        } catch (RuntimeException e) {
            LOG.debug("Kafka offset commit failed (only used for lag): {}", e.toString());
        }
    }

    private Long committedPosition(TopicPartition tp) {
        Long min = null;
        for (Table table : tablesFed(tp)) {
            Long n = table.buffer().nextOffset(tp);
            if (n == null) {
                return null;
            }
            min = min == null ? n : Math.min(min, n);
        }
        return min;
    }

    private List<Table> tablesFed(TopicPartition tp) {
        return tp.topic().equals(settings.enrichedTopic()) ? List.of(enriched, failed) : List.of(failed);
    }

    /** Each partition is read from the lowest offset one of its tables still needs. */
    private void seekToNeeded(Collection<TopicPartition> partitions) {
        List<TopicPartition> fromBeginning = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long position = committedPosition(tp);
            if (position == null) {
                fromBeginning.add(tp);
            } else {
                consumer.seek(tp, position);
            }
        }
        if (!fromBeginning.isEmpty()) {
            consumer.seekToBeginning(fromBeginning);
        }
    }

    private void rewindAll() {
        try {
            for (Table table : List.of(enriched, failed)) {
                table.buffer().rewind(Map.of());
            }
            seekToNeeded(consumer.assignment());
        } catch (RuntimeException e) {
            LOG.warn("Cannot rewind: {}", e.toString());
        }
    }

    private void scheduleOrphanCheck() {
        nextOrphanCheckNanos = System.nanoTime();
    }

    private void cleanOrphansWhenDue() {
        if (nextOrphanCheckNanos < 0 || System.nanoTime() < nextOrphanCheckNanos) {
            return;
        }
        for (Table table : List.of(enriched, failed)) {
            try {
                int deleted = orphans.clean(table.committer().table()).size();
                table.meters().orphanFilesDeleted.increment(deleted);
            } catch (RuntimeException e) {
                LOG.warn("Cannot clean orphaned files of {} (tried again later): {}", table.buffer().table(),
                        e.toString());
            }
        }
        Duration interval = settings.orphanFilesInterval();
        nextOrphanCheckNanos = interval.isZero() ? -1 : System.nanoTime() + interval.toNanos();
    }

    /** Waits {@code duration}, or less when the loader is stopped meanwhile. */
    private void pause(Duration duration) {
        long until = System.nanoTime() + duration.toNanos();
        try {
            while (running.get() && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    /** Stops after flushing and committing what is buffered (or, when {@code flush} is false, abandoning it). */
    public void stop(boolean flush, Duration timeout) throws InterruptedException {
        flushOnStop.set(flush);
        running.set(false);
        consumer.wakeup();
        stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public boolean isHealthy() {
        return healthy && stopped.getCount() > 0;
    }

    /** The Kafka partitions this instance loads now. */
    public java.util.Set<TopicPartition> ownedPartitions() {
        return java.util.Set.copyOf(owned);
    }

    /** Whether partitions have been assigned and restored from the tables at least once. */
    public boolean isReady() {
        return assignedOnce && isHealthy();
    }

    /** On a rebalance: commit before partitions go; read new ones from the offsets in the tables. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                if (flushOnStop.get() || running.get()) {
                    flushAll();
                }
            } catch (RuntimeException e) {
                metrics.error();
                LOG.error("Cannot commit before giving up partitions {}; their uncommitted rows are dropped and "
                        + "will be loaded by their next owner", partitions, e);
                for (Table table : List.of(enriched, failed)) {
                    table.buffer().rewind(Map.of());
                }
            }
            for (Table table : List.of(enriched, failed)) {
                table.buffer().revoke(partitions);
            }
            owned.removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (Table table : List.of(enriched, failed)) {
                table.buffer().rewind(Map.of());
                table.buffer().revoke(partitions);
            }
            owned.removeAll(partitions);
            seekToNeeded(consumer.assignment().stream().filter(tp -> !partitions.contains(tp)).toList());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                for (Table table : List.of(enriched, failed)) {
                    List<TopicPartition> fed = partitions.stream().filter(tp -> tablesFed(tp).contains(table)).toList();
                    Map<TopicPartition, Long> stored = table.committer().storedOffsets(java.util.Set.copyOf(fed));
                    fed.forEach(tp -> table.buffer().assign(tp, stored.get(tp)));
                }
                seekToNeeded(partitions);
                LOG.info("Reading {} from the offsets stored in the tables", partitions);
            }
            owned.addAll(partitions);
            assignedOnce = true;
        }
    }
}
