package dev.noexcuses.enricher.stream;

import dev.noexcuses.common.failure.FailureType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/** What the enricher did with the events it read: {@code enricher_events_total{outcome}} and failures by type. */
public final class EnricherMetrics {
    private final Counter enriched;
    private final Counter duplicates;
    private final Map<FailureType, Counter> failed = new EnumMap<>(FailureType.class);

    public EnricherMetrics(MeterRegistry meters) {
        this.enriched = outcome(meters, "enriched");
        this.duplicates = outcome(meters, "duplicate");
        for (FailureType type : FailureType.values()) {
            failed.put(type, Counter.builder("enricher_events_total")
                    .description("Events read from the raw topic, by what became of them")
                    .tag("outcome", "failed")
                    .tag("failure_type", type.wireName())
                    .register(meters));
        }
    }

    private static Counter outcome(MeterRegistry meters, String outcome) {
        return Counter.builder("enricher_events_total")
                .description("Events read from the raw topic, by what became of them")
                .tag("outcome", outcome)
                .tag("failure_type", "")
                .register(meters);
    }

    void enriched() {
        enriched.increment();
    }

    void duplicate() {
        duplicates.increment();
    }

    void failed(FailureType type) {
        failed.get(type).increment();
    }

    public long enrichedCount() {
        return (long) enriched.count();
    }

    public long duplicateCount() {
        return (long) duplicates.count();
    }

    public long failedCount() {
        return (long) failed.values().stream().mapToDouble(Counter::count).sum();
    }
}
