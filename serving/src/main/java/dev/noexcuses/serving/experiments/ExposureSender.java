package dev.noexcuses.serving.experiments;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code experiment_exposure} events through the platform's collector with the producers' SDK
 * (batches, retries with backoff), like any producer: exposures reach OpenSearch and the lake by the
 * same path as every other event. The gateway's request thread only offers to a bounded queue, never
 * waits; an exposure that does not fit is counted as dropped, and every outcome is counted.
 */
final class ExposureSender implements AutoCloseable {
    static final String SCHEMA = "dev.noexcuses/experiment_exposure/1-0-0";
    private static final Logger LOG = LoggerFactory.getLogger(ExposureSender.class);

    /** One assigned request: who, which experiment and arm, and what the gateway answered. */
    record Exposure(String experiment, String arm, String model, String version, String userId, String anonymousId,
                    boolean ok, double latencyMs, Instant at) {}

    private final EventClient client;
    private final String source;
    private final BlockingQueue<Exposure> queue;
    private final Thread pump;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closing;

    ExposureSender(URI collector, String writeKey, String source, int queueSize) {
        this.client = EventClient.builder(collector).writeKey(writeKey).batchSize(500).linger(Duration.ofMillis(200))
                .maxQueuedEvents(queueSize).senders(1).build();
        this.source = source;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.pump = new Thread(this::pump, "exposure-sender");
        pump.setDaemon(true);
        pump.start();
    }

    /** Queues the exposure without waiting; false (and counted) when the queue is full. */
    boolean offer(Exposure exposure) {
        offered.incrementAndGet();
        if (closing || !queue.offer(exposure)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    private void pump() {
        while (!(closing && queue.isEmpty())) {
            try {
                Exposure e = queue.poll(100, TimeUnit.MILLISECONDS);
                if (e != null) {
                    client.send(event(e)).thenAccept(this::count);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException ex) {
                failed.incrementAndGet();
                LOG.warn("Cannot queue an exposure for the collector: {}", ex.toString());
            }
        }
    }

    private void count(Delivery d) {
        switch (d.outcome()) {
            case ACCEPTED -> accepted.incrementAndGet();
            case REJECTED -> {
                rejected.incrementAndGet();
                LOG.warn("The collector rejected exposure {}: {}", d.eventId(), d.reasons());
            }
            case FAILED -> failed.incrementAndGet();
        }
    }

    ObjectNode event(Exposure e) {
        ObjectNode event = Json.mapper().createObjectNode();
        event.put("event_id", UUID.randomUUID().toString());
        event.put("schema", SCHEMA);
        event.put("event_time", e.at().toString());
        event.put("source", source);
        // The ids as the request gave them: the lake keys (and pseudonymises, and stitches) them like the user's other events.
        if (e.userId() != null) {
            event.put("user_id", e.userId());
        }
        if (e.anonymousId() != null) {
            event.put("anonymous_id", e.anonymousId());
        }
        ObjectNode data = event.putObject("data");
        data.put("experiment", e.experiment()).put("arm", e.arm()).put("model", e.model()).put("version", e.version())
                .put("ok", e.ok()).put("latency_ms", Math.round(e.latencyMs() * 1000) / 1000.0);
        return event;
    }

    /** Offered, dropped (queue full), accepted, rejected and failed (given up after retries) exposures. */
    Map<String, Long> counts() {
        return Map.of("offered", offered.get(), "dropped", dropped.get(), "accepted", accepted.get(),
                "rejected", rejected.get(), "failed", failed.get(), "queued", (long) queue.size());
    }

    /** Sends what is queued, then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            pump.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
    }
}
