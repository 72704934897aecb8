package dev.noexcuses.enricher.stream;

import static dev.noexcuses.enricher.KafkaTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.enricher.KafkaTestSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two enricher instances share the partitions; stopping one hands its partitions, and their dedup state, to the other. */
class EnricherScalingTest {
    private static KafkaTestSupport kafka;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestSupport("scaling");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void stoppingOneOfTwoInstancesMovesItsPartitionsToTheOtherWithNoEventLostOrDuplicated() {
        // Local enrichments only: this is about partitions and state, not the enrichment API.
        Map<String, String> local = Map.of("enricher.enrichments.product-details.enabled", "false",
                "enricher.enrichments.model-score.enabled", "false");
        EnricherApp first = EnricherApp.start(kafka.enricherConfig(local));
        EnricherApp second = EnricherApp.start(kafka.enricherConfig(local));
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.isRunning() && second.isRunning());

            List<EventEnvelope> beforeStop = events(300);
            beforeStop.forEach(kafka::send);
            await().atMost(Duration.ofSeconds(60)).until(() -> first.metrics().enrichedCount() > 0
                    && second.metrics().enrichedCount() > 0);
            first.close();

            List<EventEnvelope> afterStop = events(300);
            afterStop.forEach(kafka::send);
            // Retries of events the stopped instance had already emitted: the dedup state moved too.
            List<EventEnvelope> retries = beforeStop.subList(0, 50);
            retries.forEach(kafka::send);

            Set<String> expected = ids(beforeStop);
            expected.addAll(ids(afterStop));
            List<EventEnvelope> enriched = kafka.enrichedUntil(found -> ids(found).containsAll(expected));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    first.metrics().duplicateCount() + second.metrics().duplicateCount() == 50);

            assertThat(enriched).extracting(EventEnvelope::eventId).hasSize(600).doesNotHaveDuplicates();
            assertThat(kafka.readAll(kafka.dlq)).isEmpty();
            assertThat(first.metrics().enrichedCount() + second.metrics().enrichedCount()).isEqualTo(600);
        } finally {
            first.close();
            second.close();
        }
    }

    private static List<EventEnvelope> events(int count) {
        List<EventEnvelope> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(event("com.webshop/page_view/1-0-0", "{\"url\": \"/p/" + i + "\", \"page_type\": \"product\"}"));
        }
        return events;
    }

    private static Set<String> ids(List<EventEnvelope> events) {
        return events.stream().map(EventEnvelope::eventId).collect(Collectors.toSet());
    }
}
