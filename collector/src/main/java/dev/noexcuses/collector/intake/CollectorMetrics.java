package dev.noexcuses.collector.intake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The collector's own meters, next to Armeria's request meters in the same registry. */
public final class CollectorMetrics {
    private final MeterRegistry registry;

    public CollectorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void accepted(String transport, int count) {
        if (count > 0) {
            Counter.builder("collector.events.accepted").tag("transport", transport)
                    .description("Events written to events.raw").register(registry).increment(count);
        }
    }

    public void rejected(String reason) {
        Counter.builder("collector.events.rejected").tag("reason", reason)
                .description("Events and requests written to events.raw.dlq, by reason").register(registry).increment();
    }

    public void authFailure() {
        Counter.builder("collector.auth.failures").description("Requests with a missing or unknown write key")
                .register(registry).increment();
    }

    public void request(String transport, int status, Duration latency) {
        Timer.builder("collector.request.latency").tag("transport", transport).tag("status", String.valueOf(status))
                .description("Time from request start to answer, including Kafka acknowledgement")
                .publishPercentileHistogram()
                .register(registry).record(latency);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
