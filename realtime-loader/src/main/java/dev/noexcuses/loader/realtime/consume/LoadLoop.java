package dev.noexcuses.loader.realtime.consume;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Execution;
import dev.noexcuses.common.retry.Retries;
import dev.noexcuses.loader.realtime.document.DocumentMapper;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import dev.noexcuses.loader.realtime.document.SourceRecord;
import dev.noexcuses.loader.realtime.index.BulkWriter;
import dev.noexcuses.loader.realtime.index.IndexTemplates;
import dev.noexcuses.loader.realtime.metrics.LoaderMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader's consumer thread, top to bottom: read records, turn them into documents, and when the
 * batch is full or old enough hand it to the bulk thread, then commit the offsets of the records it
 * came from only after every document is acknowledged (indexed, or refused and written as a
 * {@code loader_failure} record). One batch is written while the next one is read, never more: the
 * next one is sent as soon as the last is in ({@link BulkSchedule}), so a quiet stream's documents go
 * at once and a busy one's gather into large bulks. When the next batch is full before the cluster has
 * taken the last, the partitions are paused, but the consumer keeps polling, so it stays in its group,
 * and nothing more is read until the batch is in.
 */
public final class LoadLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LoadLoop.class);
    private static final long POLL_SLICE_MS = 200;
    /** How often the loop looks whether the bulk in flight is in while documents wait for it. */
    private static final long IN_FLIGHT_CHECK_MS = 5;

    /** When to flush ({@code flushInterval}: the linger of {@link BulkSchedule}, 0 for none) and how to stop. */
    public record Options(List<String> topics, int maxDocuments, long maxBytes, Duration flushInterval,
                          Duration initialBackoff, Duration maxBackoff) {
        public Options {
            topics = List.copyOf(topics);
            requireNonNull(flushInterval, "flushInterval is null");
            requireNonNull(initialBackoff, "initialBackoff is null");
            requireNonNull(maxBackoff, "maxBackoff is null");
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final DocumentMapper mapper;
    private final BulkWriter writer;
    private final IndexTemplates templates;
    private final LoaderMetrics metrics;
    private final Options options;
    private final Batch batch = new Batch();
    private final BulkWriter.Pause backOff = this::backOff;
    private final ExecutorService bulkThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "realtime-loader-bulk"));
    /** The batch being written, and the offsets to commit when it is in; null when none is. */
    private Future<?> inFlight;
    private Map<TopicPartition, OffsetAndMetadata> inFlightOffsets;

    private volatile boolean stopping;
    private volatile long stopDeadlineNanos = Long.MAX_VALUE;
    private volatile boolean templatesInstalled;
    private volatile boolean waitingForCluster;
    private volatile boolean failed;
    private long lastLagUpdateNanos;

    public LoadLoop(KafkaConsumer<String, byte[]> consumer, DocumentMapper mapper, BulkWriter writer,
                    IndexTemplates templates, LoaderMetrics metrics, Options options) {
        this.consumer = requireNonNull(consumer, "consumer is null");
        this.mapper = requireNonNull(mapper, "mapper is null");
        this.writer = requireNonNull(writer, "writer is null");
        this.templates = requireNonNull(templates, "templates is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.options = requireNonNull(options, "options is null");
    }

    @Override
    public void run() {
        try {
            installTemplates();
            consumer.subscribe(options.topics(), new PartitionsListener());
            BulkSchedule schedule = new BulkSchedule(options.maxDocuments(), options.maxBytes(),
                    options.flushInterval().toNanos());
            while (!stopping) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(pollMillis(schedule)));
                for (ConsumerRecord<String, byte[]> record : records) {
                    batch.add(mapper.map(new SourceRecord(record.topic(), record.partition(), record.offset(),
                            record.timestamp(), record.value())));
                    if (batch.full(options.maxDocuments(), options.maxBytes())) {
                        dispatch();
                    }
                }
                if (inFlight != null && inFlight.isDone()) {
                    complete();
                }
                updateLag();
                if (schedule.sendNow(batch, inFlight != null)) {
                    dispatch();
                }
            }
            // Stopping: what was read is written and committed if the cluster takes it in time.
            dispatch();
            awaitInFlight();
        } catch (BulkWriter.Stopped e) {
            LOG.info("Stopped with {} documents not acknowledged; their records are read again at the next start",
                    batch.size());
        } catch (RuntimeException | Error e) {
            failed = true;
            LOG.error("The realtime loader's consumer loop failed; it no longer loads (restart the loader)", e);
        } finally {
            bulkThread.shutdownNow();
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("Error closing the consumer: {}", e.toString());
            }
        }
    }

    private void installTemplates() throws BulkWriter.Stopped {
        Execution<Object> execution = Execution.of(Retries.exponentialBackoff(options.initialBackoff(),
                options.maxBackoff()).withMaxRetries(-1).build());
        while (true) {
            try {
                String cluster = templates.install();
                templatesInstalled = true;
                waitingForCluster = false;
                metrics.waitingForCluster(false);
                LOG.info("Index templates installed on {}", cluster);
                return;
            } catch (Exception e) {
                waitingForCluster = true;
                metrics.waitingForCluster(true);
                execution.recordException(e);
                Duration backoff = execution.getDelay();
                LOG.warn("Cannot install the index templates yet ({}); retrying in {} ms", e.getMessage(),
                        backoff.toMillis());
                sleep(backoff);
            }
        }
    }

    private void sleep(Duration duration) throws BulkWriter.Stopped {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            if (stopping) {
                throw new BulkWriter.Stopped();
            }
            try {
                Thread.sleep(Math.min(POLL_SLICE_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BulkWriter.Stopped();
            }
        }
    }

    /**
     * How long the next poll may block: short while documents wait for the bulk in flight (so the next
     * bulk leaves soon after it is in), until the linger is over while they wait for it, else a slice
     * (a poll returns as soon as records arrive).
     */
    private long pollMillis(BulkSchedule schedule) {
        if (batch.isEmpty()) {
            return POLL_SLICE_MS;
        }
        if (inFlight != null) {
            return IN_FLIGHT_CHECK_MS;
        }
        long untilDue = batch.nanosUntilDue(schedule.lingerNanos());
        return Math.min(POLL_SLICE_MS, TimeUnit.NANOSECONDS.toMillis(untilDue));
    }

    /** Hands the batch to the bulk thread, once the one before it is in and committed. */
    private void dispatch() throws BulkWriter.Stopped {
        if (batch.isEmpty()) {
            return;
        }
        awaitInFlight();
        List<IndexDocument> documents = batch.documents();
        inFlightOffsets = batch.nextOffsets();
        batch.clear();
        inFlight = bulkThread.submit(() -> {
            write(documents);
            return null;
        });
    }

    /**
     * Waits until the batch in flight is in, with the partitions paused; a poll now and then keeps
     * the consumer in its group (and under max.poll.interval.ms) without reading anything new.
     */
    private void awaitInFlight() throws BulkWriter.Stopped {
        if (inFlight == null) {
            return;
        }
        boolean paused = false;
        while (true) {
            try {
                inFlight.get(POLL_SLICE_MS, TimeUnit.MILLISECONDS);
                break;
            } catch (TimeoutException e) {
                consumer.pause(consumer.assignment());
                paused = true;
                ConsumerRecords<String, byte[]> unexpected = consumer.poll(Duration.ZERO);
                // Partitions assigned during that poll were not paused yet: put their records back.
                for (TopicPartition partition : unexpected.partitions()) {
                    consumer.seek(partition, unexpected.records(partition).get(0).offset());
                }
            } catch (ExecutionException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BulkWriter.Stopped();
            }
        }
        if (paused) {
            consumer.resume(consumer.paused());
        }
        complete();
    }

    /** The batch in flight is in: its offsets are committed (or, when it was given up, not). */
    private void complete() throws BulkWriter.Stopped {
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            inFlight = null;
            if (e.getCause() instanceof BulkWriter.Stopped stopped) {
                throw stopped;
            }
            throw new IllegalStateException("Writing a batch failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BulkWriter.Stopped();
        }
        inFlight = null;
        commit(inFlightOffsets);
    }

    /** On the bulk thread: writes the documents until every one is acknowledged. */
    private void write(List<IndexDocument> documents) throws BulkWriter.Stopped {
        BulkWriter.Outcome outcome = writer.write(documents, backOff);
        countIndexed(outcome.indexed());
        if (!outcome.rejected().isEmpty()) {
            writeRejections(outcome.rejected());
        }
        if (waitingForCluster) {
            waitingForCluster = false;
            metrics.waitingForCluster(false);
            LOG.info("The search cluster takes documents again; loading resumed");
        }
    }

    /** Each refused document becomes a loader_failure record in the failed index: never dropped, never blocking. */
    private void writeRejections(List<BulkWriter.Rejection> rejections) throws BulkWriter.Stopped {
        List<IndexDocument> failures = new ArrayList<>(rejections.size());
        for (BulkWriter.Rejection rejection : rejections) {
            metrics.rejected(rejection.document());
            LOG.warn("Document {} from {} refused by the cluster ({}): written as a loader_failure record",
                    rejection.document().id(), rejection.document().origin(), rejection.reason());
            failures.add(mapper.rejected(rejection.document(), rejection.reason()));
        }
        BulkWriter.Outcome outcome = writer.write(failures, backOff);
        countIndexed(outcome.indexed());
        for (BulkWriter.Rejection refusedToo : outcome.rejected()) {
            metrics.unloadable();
            LOG.error("The loader_failure record of {} was refused too ({}); its record, in full: {}",
                    refusedToo.document().origin(), refusedToo.reason(), refusedToo.document().source());
        }
    }

    private void countIndexed(List<IndexDocument> indexed) {
        long now = System.currentTimeMillis();
        for (IndexDocument document : indexed) {
            metrics.indexed(document, now);
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>(offsets);
        owned.keySet().retainAll(consumer.assignment());
        if (owned.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(owned);
        } catch (KafkaException e) {
            // The documents are in: whoever reads these records again rewrites the same ids.
            LOG.warn("Cannot commit offsets {} ({}); their records will be read and indexed again", owned,
                    e.toString());
        }
    }

    /** On the bulk thread: waits out a backoff, then puts the templates again (a new node may lack them). */
    private void backOff(Duration backoff) throws BulkWriter.Stopped {
        if (!waitingForCluster) {
            waitingForCluster = true;
            metrics.waitingForCluster(true);
        }
        long until = System.nanoTime() + backoff.toNanos();
        while (System.nanoTime() < until) {
            if (stopping && System.nanoTime() > stopDeadlineNanos) {
                throw new BulkWriter.Stopped();
            }
            try {
                Thread.sleep(Math.min(POLL_SLICE_MS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BulkWriter.Stopped();
            }
        }
        try {
            templates.install();
        } catch (Exception e) {
            LOG.debug("Templates not installed yet: {}", e.toString());
        }
    }

    private void updateLag() {
        long now = System.nanoTime();
        if (now - lastLagUpdateNanos < TimeUnit.SECONDS.toNanos(1)) {
            return;
        }
        lastLagUpdateNanos = now;
        Map<String, Long> byTopic = new HashMap<>();
        options.topics().forEach(t -> byTopic.put(t, 0L));
        for (TopicPartition partition : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(partition);
            if (lag.isPresent()) {
                byTopic.merge(partition.topic(), lag.getAsLong(), Long::sum);
            }
        }
        byTopic.forEach(metrics::lag);
    }

    /** Asks the loop to stop: it writes and commits what it read, giving up after {@code timeout}. */
    public void stop(Duration timeout) {
        stopDeadlineNanos = System.nanoTime() + timeout.toNanos();
        stopping = true;
    }

    /** Not failed (it may be waiting for the cluster). */
    public boolean isHealthy() {
        return !failed;
    }

    /** Loading: templates installed and the cluster taking documents. */
    public boolean isReady() {
        return !failed && templatesInstalled && !waitingForCluster && !stopping;
    }

    private final class PartitionsListener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            batch.forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            batch.forget(partitions);
        }
    }
}
