package dev.noexcuses.loader.realtime.metrics;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.loader.realtime.document.IndexDocument;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The loader's meters: documents indexed and rejected, bulk latency, retries, consumer lag, and the
 * end-to-end latency from the collector's receive time to the cluster's acknowledgement.
 */
public final class LoaderMetrics {
    private final Map<IndexDocument.Kind, Counter> indexed = new EnumMap<>(IndexDocument.Kind.class);
    private final Map<IndexDocument.Kind, Counter> rejected = new EnumMap<>(IndexDocument.Kind.class);
    private final Counter unloadable;
    private final Counter retried;
    private final Timer bulkSucceeded;
    private final Timer bulkFailed;
    private final Timer endToEnd;
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
    private final AtomicLong waitingForCluster = new AtomicLong();

    public LoaderMetrics(MeterRegistry registry, List<String> topics) {
        requireNonNull(registry, "registry is null");
        for (IndexDocument.Kind kind : IndexDocument.Kind.values()) {
            String tag = kind.name().toLowerCase(java.util.Locale.ROOT);
            indexed.put(kind, Counter.builder("realtime_loader_documents_indexed")
                    .description("Documents the search cluster acknowledged").tag("kind", tag).register(registry));
            rejected.put(kind, Counter.builder("realtime_loader_documents_rejected")
                    .description("Documents the search cluster refused; each became a loader_failure record")
                    .tag("kind", tag).register(registry));
        }
        unloadable = Counter.builder("realtime_loader_documents_unloadable")
                .description("loader_failure records the cluster refused too; logged in full at ERROR")
                .register(registry);
        retried = Counter.builder("realtime_loader_bulk_retried_documents")
                .description("Documents sent again after 429, 5xx or an unreachable cluster").register(registry);
        bulkSucceeded = Timer.builder("realtime_loader_bulk_latency").description("Bulk request round trips")
                .tag("outcome", "answered").publishPercentiles(0.5, 0.99).register(registry);
        bulkFailed = Timer.builder("realtime_loader_bulk_latency").description("Bulk request round trips")
                .tag("outcome", "failed").register(registry);
        endToEnd = Timer.builder("realtime_loader_end_to_end_latency")
                .description("From the collector's receive time to the cluster's acknowledgement of the document")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        for (String topic : topics) {
            AtomicLong value = new AtomicLong();
            lag.put(topic, value);
            Gauge.builder("realtime_loader_consumer_lag", value, AtomicLong::get)
                    .description("Records not yet read, summed over this instance's partitions").tag("topic", topic)
                    .baseUnit("records").register(registry);
        }
        Gauge.builder("realtime_loader_waiting_for_cluster", waitingForCluster, AtomicLong::get)
                .description("1 while documents wait for the search cluster to take them").register(registry);
    }

    public void indexed(IndexDocument document, long nowMs) {
        indexed.get(document.kind()).increment();
        if (document.receivedAt() != null) {
            endToEnd.record(Math.max(0, nowMs - document.receivedAt().toEpochMilli()), TimeUnit.MILLISECONDS);
        }
    }

    public void rejected(IndexDocument document) {
        rejected.get(document.kind()).increment();
    }

    public void unloadable() {
        unloadable.increment();
    }

    public void bulkRetried(int documents) {
        retried.increment(documents);
    }

    public void bulkSucceeded(long nanos) {
        bulkSucceeded.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void bulkFailed(long nanos) {
        bulkFailed.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void lag(String topic, long records) {
        lag.computeIfAbsent(topic, t -> new AtomicLong()).set(records);
    }

    public void waitingForCluster(boolean waiting) {
        waitingForCluster.set(waiting ? 1 : 0);
    }

    public long indexedCount(IndexDocument.Kind kind) {
        return (long) indexed.get(kind).count();
    }

    public long rejectedCount() {
        return rejected.values().stream().mapToLong(c -> (long) c.count()).sum();
    }

    public long totalLag() {
        return lag.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Bulk requests the cluster answered. */
    public long bulkRequests() {
        return bulkSucceeded.count();
    }

    public Timer endToEndLatency() {
        return endToEnd;
    }
}
