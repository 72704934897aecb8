package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.List;

/**
 * The enabled enrichments, run in order on every valid event; each one's time per event is a metric, and an
 * enrichment with metrics of its own (a cache's hits and misses) registers them here.
 */
public final class EnrichmentChain {
    private final List<Enrichment> enrichments;
    private final List<Timer> timers;
    private final Clock clock;

    public EnrichmentChain(List<Enrichment> enrichments, MeterRegistry meters, Clock clock) {
        this.enrichments = List.copyOf(enrichments);
        this.clock = requireNonNull(clock, "clock is null");
        this.timers = this.enrichments.stream()
                .map(e -> Timer.builder("enricher_enrichment_seconds")
                        .description("Time spent in one enrichment per event")
                        .tag("enrichment", e.name())
                        .register(meters))
                .toList();
        for (Enrichment enrichment : this.enrichments) {
            if (enrichment instanceof MeterBinder binder) {
                binder.bindTo(meters);
            }
        }
    }

    /**
     * Runs every enrichment on {@code event}, then stamps {@code enrichments.enriched_at}.
     *
     * @throws EnrichmentException from the first enrichment that fails
     */
    public void enrich(Event event) {
        for (int i = 0; i < enrichments.size(); i++) {
            long t0 = System.nanoTime();
            enrichments.get(i).apply(event);
            timers.get(i).record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        event.enrichments().put("enriched_at", clock.instant().toString());
    }

    public List<String> names() {
        return enrichments.stream().map(Enrichment::name).toList();
    }
}
