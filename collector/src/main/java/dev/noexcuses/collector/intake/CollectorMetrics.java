package dev.noexcuses.collector.intake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The collector's own meters, next to Armeria's request meters in the same registry. Meters are
 * looked up once per tag value and kept, so the hot path does no registry work.
 */
public final class CollectorMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, Timer>> latency = new ConcurrentHashMap<>();
    private final Counter authFailures;
    private final Counter authFailuresUnrecorded;
    private final Counter keyReloads;
    private final Map<String, Counter> decompressed = new ConcurrentHashMap<>();

    public CollectorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.authFailures = Counter.builder("collector.auth.failures")
                .description("Requests with a missing or unknown write key").register(registry);
        this.authFailuresUnrecorded = Counter.builder("collector.auth.failures.unrecorded")
                .description("Auth failures over their client's record budget: counted, not written to the DLQ")
                .register(registry);
        this.keyReloads = Counter.builder("collector.write.keys.reloads")
                .description("Times the write keys were reloaded without a restart").register(registry);
    }

    public void accepted(String transport, int count) {
        if (count > 0) {
            accepted.computeIfAbsent(transport, t -> Counter.builder("collector.events.accepted").tag("transport", t)
                    .description("Events written to events.raw").register(registry)).increment(count);
        }
    }

    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("collector.events.rejected").tag("reason", r)
                .description("Events and requests written to events.raw.dlq, by reason").register(registry))
                .increment();
    }

    public void authFailure() {
        authFailures.increment();
    }

    public void authFailureUnrecorded() {
        authFailuresUnrecorded.increment();
    }

    public void decompressed(String encoding) {
        decompressed.computeIfAbsent(encoding, e -> Counter.builder("collector.requests.decompressed")
                .tag("encoding", e).description("Request bodies sent compressed (Content-Encoding)")
                .register(registry)).increment();
    }

    public void writeKeysReloaded() {
        keyReloads.increment();
    }

    public void request(String transport, int status, Duration elapsed) {
        // Looked up by transport, then status, so that no key is built per request.
        latency.computeIfAbsent(transport, t -> new ConcurrentHashMap<>())
                .computeIfAbsent(status, s -> Timer.builder("collector.request.latency")
                        .tag("transport", transport).tag("status", String.valueOf(status))
                        .description("Time from request start to answer, including Kafka acknowledgement")
                        .publishPercentileHistogram()
                        .register(registry)).record(elapsed);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
