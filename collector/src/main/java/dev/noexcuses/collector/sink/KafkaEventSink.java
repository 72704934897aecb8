package dev.noexcuses.collector.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes records with an idempotent acks=all producer and waits, for a bounded time, until Kafka
 * has acknowledged every one. After a failure it answers "unavailable" at once, without waiting,
 * until a background probe sees the cluster again: so a Kafka outage costs callers one timeout,
 * not one per request.
 */
public final class KafkaEventSink implements EventSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);

    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final Duration timeout;
    private final AtomicBoolean available = new AtomicBoolean(true);
    private final ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "collector-kafka-probe");
        t.setDaemon(true);
        return t;
    });

    public KafkaEventSink(Properties producerProperties, Properties adminProperties, Duration timeout) {
        this.producer = new KafkaProducer<>(producerProperties);
        Properties admin = new Properties();
        admin.putAll(adminProperties);
        admin.put("request.timeout.ms", "1500");
        admin.put("default.api.timeout.ms", "1500");
        this.admin = Admin.create(admin);
        this.timeout = timeout;
        prober.scheduleWithFixedDelay(this::probe, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void writeAll(List<ProducerRecord<String, byte[]>> records) throws SinkUnavailableException {
        if (!available.get()) {
            throw new SinkUnavailableException("Kafka is unavailable (waiting for it to come back)", null);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
        try {
            for (ProducerRecord<String, byte[]> record : records) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("sending took longer than " + timeout);
                }
                acks.add(producer.send(record));
            }
            for (Future<RecordMetadata> ack : acks) {
                long left = Math.max(1, deadline - System.nanoTime());
                ack.get(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException("Interrupted while waiting for Kafka", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            if (available.getAndSet(false)) {
                LOG.warn("Kafka did not acknowledge within {}: {}; answering 503 until it is back", timeout,
                        cause.toString());
            }
            throw new SinkUnavailableException("Kafka did not acknowledge within " + timeout + ": " + cause, cause);
        }
    }

    private void probe() {
        if (available.get()) {
            return;
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(1500)).nodes().get(2, TimeUnit.SECONDS);
            if (!available.getAndSet(true)) {
                LOG.info("Kafka is reachable again; accepting events");
            }
        } catch (Exception e) {
            LOG.debug("Kafka still unreachable: {}", e.toString());
        }
    }

    @Override
    public boolean isReady() {
        if (!available.get()) {
            return false;
        }
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(1500)).nodes().get(2, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(2));
    }
}
