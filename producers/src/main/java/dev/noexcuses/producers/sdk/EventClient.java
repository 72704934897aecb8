package dev.noexcuses.producers.sdk;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientFactoryBuilder;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java SDK: queues events, sends them to the collector in batches (by count or after a linger
 * time), and retries a batch with exponential backoff and jitter while the collector answers 503,
 * another 5xx, or cannot be reached, until the delivery timeout. Every event gets a client-side
 * {@code event_id} before its first send, so a retried batch can be deduplicated downstream.
 *
 * <pre>{@code
 * try (EventClient client = EventClient.builder(URI.create("http://localhost:8080"))
 *         .writeKey("local-dev-key").build()) {
 *     client.send(event);
 * } // close() flushes
 * }</pre>
 */
public final class EventClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventClient.class);

    public enum Protocol { REST_JSON, REST_PROTOBUF, GRPC }

    /** An event, the end user it is sent for (null: the client itself), and its outcome. */
    private record Pending(ObjectNode event, EndUser endUser, CompletableFuture<Delivery> delivery) {}

    private final Transport transport;
    private final int batchSize;
    private final Duration linger;
    /** A batch is sent again while the collector answers "retry" (503, unreachable), until the delivery timeout. */
    private final RetryPolicy<SendResult> retry;
    private final BlockingQueue<Pending> queue;
    private final List<Thread> senders = new ArrayList<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final Stats stats = new Stats();
    private volatile boolean closing;

    private EventClient(Builder b) {
        ClientFactory factory = clientFactory(b.caFile);
        this.transport = switch (b.protocol) {
            case REST_JSON -> new RestTransport(factory, b.endpoint, b.writeKey, false, b.compress, b.requestTimeout);
            case REST_PROTOBUF -> new RestTransport(factory, b.endpoint, b.writeKey, true, b.compress, b.requestTimeout);
            case GRPC -> new GrpcTransport(factory, b.endpoint, b.writeKey, b.requestTimeout);
        };
        this.batchSize = b.batchSize;
        this.linger = b.linger;
        this.retry = Retries.<SendResult>exponentialBackoff(b.initialBackoff, b.maxBackoff)
                .handleIf(e -> e instanceof TransportException t && t.retryable())
                .withMaxRetries(-1)
                .withMaxDuration(b.deliveryTimeout)
                .onRetry(e -> {
                    stats.retries.incrementAndGet();
                    LOG.debug("Retrying a batch (attempt {}): {}", e.getAttemptCount(), e.getLastException().getMessage());
                })
                .build();
        this.queue = new ArrayBlockingQueue<>(b.maxQueuedEvents);
        for (int i = 0; i < b.senders; i++) {
            Thread t = new Thread(this::sendLoop, "event-client-sender-" + i);
            t.setDaemon(true);
            t.start();
            senders.add(t);
        }
    }

    /** Connections to the collector; over https, trusting the CA file's certificates only, when one is given. */
    private static ClientFactory clientFactory(Path caFile) {
        ClientFactoryBuilder builder = ClientFactory.builder().connectTimeout(Duration.ofSeconds(3));
        if (caFile != null) {
            if (!java.nio.file.Files.isReadable(caFile)) {
                throw new IllegalArgumentException("Cannot read the CA file " + caFile.toAbsolutePath());
            }
            builder.tlsCustomizer(tls -> tls.trustManager(caFile.toFile()));
        }
        return builder.build();
    }

    public static Builder builder(URI collector) {
        return new Builder(collector);
    }

    /**
     * Queues an event (blocking while the queue is full). An event without {@code event_id} gets a
     * random UUID. The future completes when the collector has answered for it.
     */
    public CompletableFuture<Delivery> send(ObjectNode event) {
        return enqueue(event, null);
    }

    /**
     * Queues an event sent on behalf of {@code endUser}, as a server-side relay does: the request that
     * carries it names the end user's address and user agent, not this client's. Events of different
     * end users never share a request.
     */
    public CompletableFuture<Delivery> send(ObjectNode event, EndUser endUser) {
        return enqueue(event, requireNonNull(endUser, "endUser is null"));
    }

    private CompletableFuture<Delivery> enqueue(ObjectNode event, EndUser endUser) {
        requireNonNull(event, "event is null");
        if (closing) {
            throw new IllegalStateException("EventClient is closed");
        }
        JsonNode id = event.get("event_id");
        if (id == null || id.isNull()) {
            event.put("event_id", UUID.randomUUID().toString());
        }
        CompletableFuture<Delivery> delivery = new CompletableFuture<>();
        inFlight.incrementAndGet();
        try {
            queue.put(new Pending(event, endUser, delivery));
        } catch (InterruptedException e) {
            inFlight.decrementAndGet();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while queueing an event", e);
        }
        return delivery;
    }

    /** Blocks until every event queued so far has an outcome. */
    public void flush() {
        while (inFlight.get() > 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    public Stats stats() {
        return stats;
    }

    private void sendLoop() {
        List<Pending> batch = new ArrayList<>(batchSize);
        while (!(closing && queue.isEmpty())) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long lingerUntil = System.nanoTime() + linger.toNanos();
                while (batch.size() < batchSize) {
                    long left = lingerUntil - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                deliverPerEndUser(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                LOG.error("Unexpected error sending a batch", e);
                complete(batch, null, e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    /** One request per run of consecutive events of the same end user, in queue order. */
    private void deliverPerEndUser(List<Pending> batch) throws InterruptedException {
        int from = 0;
        for (int i = 1; i <= batch.size(); i++) {
            if (i == batch.size() || !java.util.Objects.equals(batch.get(i).endUser(), batch.get(from).endUser())) {
                deliver(batch.subList(from, i));
                from = i;
            }
        }
    }

    private void deliver(List<Pending> batch) throws InterruptedException {
        List<ObjectNode> events = batch.stream().map(Pending::event).toList();
        EndUser endUser = batch.get(0).endUser();
        try {
            SendResult result = Failsafe.with(retry).get(() -> transport.send(events, endUser));
            stats.batches.incrementAndGet();
            complete(batch, result, null);
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (!(e.getCause() instanceof TransportException failure)) {
                throw e;
            }
            LOG.warn("Giving up on a batch of {} events: {}", batch.size(), failure.getMessage());
            complete(batch, null, failure.getMessage());
        }
    }

    private void complete(List<Pending> batch, SendResult result, String failure) {
        Map<Integer, SendResult.Rejected> rejected = new HashMap<>();
        if (result != null) {
            result.rejected().forEach(r -> rejected.put(r.index(), r));
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            String eventId = p.event().path("event_id").asText(null);
            Delivery d;
            if (result == null) {
                stats.failed.incrementAndGet();
                d = new Delivery(eventId, Delivery.Outcome.FAILED, List.of(failure));
            } else if (rejected.containsKey(i)) {
                stats.rejected.incrementAndGet();
                d = new Delivery(eventId, Delivery.Outcome.REJECTED, rejected.get(i).reasons());
            } else {
                stats.accepted.incrementAndGet();
                d = new Delivery(eventId, Delivery.Outcome.ACCEPTED, List.of());
            }
            p.delivery().complete(d);
            inFlight.decrementAndGet();
        }
    }

    /** Flushes everything queued, then stops the senders. */
    @Override
    public void close() {
        closing = true;
        flush();
        for (Thread t : senders) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        transport.close();
    }

    /** Counters since the client was built. */
    public static final class Stats {
        private final AtomicLong accepted = new AtomicLong();
        private final AtomicLong rejected = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong retries = new AtomicLong();
        private final AtomicLong batches = new AtomicLong();

        public long accepted() { return accepted.get(); }
        public long rejected() { return rejected.get(); }
        public long failed() { return failed.get(); }
        public long retries() { return retries.get(); }
        public long batches() { return batches.get(); }
    }

    public static final class Builder {
        private final URI endpoint;
        private String writeKey = "";
        private Protocol protocol = Protocol.REST_JSON;
        private int batchSize = 100;
        private Duration linger = Duration.ofMillis(50);
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(5);
        private Duration deliveryTimeout = Duration.ofMinutes(2);
        private Duration requestTimeout = Duration.ofSeconds(15);
        private int maxQueuedEvents = 10_000;
        private int senders = 2;
        private Path caFile;
        private boolean compress = true;

        private Builder(URI endpoint) {
            this.endpoint = requireNonNull(endpoint, "endpoint is null");
        }

        public Builder writeKey(String key) { this.writeKey = requireNonNull(key, "key is null"); return this; }
        public Builder protocol(Protocol p) { this.protocol = requireNonNull(p, "protocol is null"); return this; }
        public Builder batchSize(int n) { this.batchSize = positive(n, "batchSize"); return this; }
        public Builder linger(Duration d) { this.linger = requireNonNull(d, "linger is null"); return this; }
        public Builder initialBackoff(Duration d) { this.initialBackoff = requireNonNull(d); return this; }
        public Builder maxBackoff(Duration d) { this.maxBackoff = requireNonNull(d); return this; }
        /** How long a batch may be retried before its events are reported as failed. */
        public Builder deliveryTimeout(Duration d) { this.deliveryTimeout = requireNonNull(d); return this; }
        public Builder requestTimeout(Duration d) { this.requestTimeout = requireNonNull(d); return this; }
        public Builder maxQueuedEvents(int n) { this.maxQueuedEvents = positive(n, "maxQueuedEvents"); return this; }
        /** Parallel batches in flight. */
        public Builder senders(int n) { this.senders = positive(n, "senders"); return this; }
        /** PEM certificates of the CA that signed the collector's certificate (https endpoints). */
        public Builder caFile(Path pem) { this.caFile = requireNonNull(pem, "pem is null"); return this; }
        /** Whether REST batches are sent gzip-compressed (default true; events compress about tenfold). */
        public Builder compress(boolean on) { this.compress = on; return this; }

        public EventClient build() {
            return new EventClient(this);
        }

        private static int positive(int n, String name) {
            if (n <= 0) {
                throw new IllegalArgumentException("Invalid " + name + ": " + n + " (must be positive)");
            }
            return n;
        }
    }
}
