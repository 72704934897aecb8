package dev.noexcuses.enricher.stream;

import static dev.noexcuses.enricher.KafkaTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.enricher.KafkaTestSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The dedup store forgets ids older than the window, so it stays bounded. */
class DedupExpiryTest {

    @Test
    void forgetsEventIdsOlderThanTheWindow() {
        try (KafkaTestSupport kafka = new KafkaTestSupport("expiry");
             EnricherApp enricher = EnricherApp.start(kafka.enricherConfig(Map.of(
                     "enricher.dedup.window", "2s",
                     "enricher.enrichments.product-details.enabled", "false",
                     "enricher.enrichments.model-score.enabled", "false")))) {
            await().atMost(Duration.ofSeconds(60)).until(enricher::isRunning);
            EventEnvelope view = event("com.webshop/page_view/1-0-0", "{\"url\": \"/\", \"page_type\": \"home\"}");
            Instant now = Instant.now();
            kafka.send(view, now.minusSeconds(10));
            kafka.send(view, now.minusSeconds(9));
            // A newer event of the same user (so the same partition, whose stream time expiry follows)
            // moves record time on; the expiry (every second here) then drops the id.
            EventEnvelope other = event("com.webshop/page_view/1-0-0", "{\"url\": \"/b\", \"page_type\": \"home\"}");
            kafka.send(new EventEnvelope(other.eventId(), other.schema(), other.eventTime(), other.source(),
                    view.userId(), view.anonymousId(), other.data(), other.collector(), null), now);

            // Until the id is expired, a repeat one second after the original is a duplicate; after, it is new.
            AtomicInteger sent = new AtomicInteger(2);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                kafka.send(view, now.minusSeconds(9));
                sent.incrementAndGet();
                return count(kafka.enrichedUntil(found -> true), view) >= 2;
            });
            // Every record the enricher read is accounted for, exactly: the other event and each copy of the
            // view either emitted or removed as a duplicate. The view came out at least twice (the original and
            // the repeat after the expiry) and was removed at least once (the repeat inside the window).
            int records = sent.get() + 1;
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    enricher.metrics().enrichedCount() + enricher.metrics().duplicateCount() == records);
            List<EventEnvelope> enriched = kafka.enrichedUntil(found -> found.size() == enricher.metrics().enrichedCount());
            long views = count(enriched, view);
            assertThat(count(enriched, other)).isEqualTo(1);
            assertThat(enriched).hasSize((int) (views + 1));
            assertThat(views).isGreaterThanOrEqualTo(2);
            assertThat(enricher.metrics().duplicateCount()).isEqualTo(sent.get() - views).isGreaterThanOrEqualTo(1);
            assertThat(enricher.metrics().failedCount()).isZero();
        }
    }

    private static long count(List<EventEnvelope> events, EventEnvelope which) {
        return events.stream().filter(e -> e.eventId().equals(which.eventId())).count();
    }
}
