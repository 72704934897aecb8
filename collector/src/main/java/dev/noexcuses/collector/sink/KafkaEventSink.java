package dev.noexcuses.collector.sink;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records with an idempotent acks=all producer; the answer to a request is completed from
 * the producer's callbacks once Kafka has acknowledged every record, so no thread waits for Kafka. After a failure it answers "unavailable" at once, without waiting,
 * until a background probe sees the cluster again: so a Kafka outage costs callers one timeout,
 * not one per request.
 */
public final class KafkaEventSink implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final KafkaClientMetrics producerMetrics;
    private final Duration timeout;
    private final AtomicBoolean available = new AtomicBoolean(true);
    private volatile boolean clusterReachable;
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "collector-kafka-probe");
        t.setDaemon(true);
        return t;
    });

    public KafkaEventSink(Properties producerProperties, Properties adminProperties, Duration timeout,
                          MeterRegistry meters) {
        this.producer = new KafkaProducer<>(producerProperties);
        // The producer's own metrics (retries, errors, batch sizes) next to the collector's.
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(meters);
        Properties admin = new Properties();
        admin.putAll(adminProperties);
        admin.put("request.timeout.ms", "1500");
        admin.put("default.api.timeout.ms", "1500");
        this.admin = Admin.create(admin);
        this.timeout = timeout;
        prober.scheduleWithFixedDelay(this::probe, 0, 1, TimeUnit.SECONDS);
    }

    @Override
    public CompletableFuture<Void> writeAll(List<ProducerRecord<String, byte[]>> records) {
        if (!available.get()) {
            return CompletableFuture.failedFuture(
                    new SinkUnavailableException("Kafka is unavailable (waiting for it to come back)", null));
        }
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(records.size());
        Callback acknowledged = (metadata, error) -> {
            if (error != null) {
                fail(done, error);
            } else if (pending.decrementAndGet() == 0) {
                done.complete(null);
            }
        };
        try {
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record, acknowledged);
            }
        } catch (RuntimeException e) {
            // send() throws when it cannot even queue the record (no metadata within max.block.ms).
            fail(done, e);
        }
        // No timer of our own: the producer calls back for every record within delivery.timeout.ms
        // (= the timeout), with an error if Kafka has not acknowledged it by then.
        return done;
    }

    private void fail(CompletableFuture<Void> done, Throwable error) {
        if (done.isDone()) {
            return;
        }
        Throwable cause = error;
        if (available.getAndSet(false)) {
            LOG.warn("Kafka did not acknowledge within {}: {}; answering 503 until it is back", timeout,
                    cause.toString());
        }
        done.completeExceptionally(new SinkUnavailableException(
                "Kafka did not acknowledge within " + timeout + ": " + cause, cause));
    }

    /** Every second: is the cluster reachable? Readiness reads the answer without waiting for one. */
    private void probe() {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(1500)).nodes().get(2, TimeUnit.SECONDS);
            clusterReachable = true;
            if (!available.getAndSet(true)) {
                LOG.info("Kafka is reachable again; accepting events");
            }
        } catch (Exception e) {
            clusterReachable = false;
            LOG.debug("Kafka unreachable: {}", e.toString());
        }
    }

    @Override
    public boolean isReady() {
        return available.get() && clusterReachable;
    }

    @Override
    public void close() {
        prober.shutdownNow();
        producerMetrics.close();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(2));
    }
}
