package dev.noexcuses.enricher.replay;

import static dev.noexcuses.enricher.KafkaTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.enricher.KafkaTestSupport;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With the enrichment API stopped, product events fail to the DLQ without blocking the stream; when
 * it returns they flow again; and replay-dlq turns the failed ones into enriched events.
 */
class EnrichmentApiOutageTest {
    private static KafkaTestSupport kafka;
    private static EnrichmentApiServer api;
    private static EnricherApp enricher;
    private static int apiPort;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestSupport("outage");
        api = startApi(0);
        apiPort = api.port();
        enricher = EnricherApp.start(kafka.enricherConfig(Map.of(
                "enricher.api.url", api.localUrl(),
                // Every product lookup goes to the API, so the outage shows on every product event.
                "enricher.api.cache.enabled", "false",
                "enricher.api.attempt-timeout", "300ms")));
        await().atMost(Duration.ofSeconds(60)).until(enricher::isRunning);
    }

    @AfterAll
    static void stop() {
        enricher.close();
        api.close();
        kafka.close();
    }

    private static EnrichmentApiServer startApi(int port) {
        return EnrichmentApiServer.start(PlatformConfig.defaults(Map.of("enrichment-api.port", String.valueOf(port),
                "enrichment-api.host", "127.0.0.1", "enrichment-api.schemas-directory", "../schemas")));
    }

    @Test
    void eventsFailToTheDlqWhileTheApiIsDownFlowAgainWhenItReturnsAndReplayRecoversThem() {
        EventEnvelope before = addToCart();
        kafka.send(before);
        kafka.enrichedUntil(found -> ids(found).contains(before.eventId()));

        api.close();
        Instant outageStart = Instant.now();
        List<EventEnvelope> duringOutage = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            duringOutage.add(addToCart());
        }
        duringOutage.forEach(kafka::send);
        Set<String> outageIds = ids(duringOutage);
        List<FailedEvent> failed = kafka.failedUntil(found -> found.stream().map(FailedEvent::eventId)
                .collect(Collectors.toSet()).containsAll(outageIds));
        assertThat(failed).filteredOn(f -> outageIds.contains(f.eventId())).hasSize(20).allSatisfy(f -> {
            assertThat(f.failureType()).isEqualTo(FailureType.ENRICHMENT_FAILURE);
            assertThat(f.errors().get(0).path()).isEqualTo("$.enrichments.product-details");
            assertThat(f.context()).containsEntry("enrichment", "product-details");
        });
        assertThat(enricher.isHealthy()).isTrue();

        api = startApi(apiPort);
        // The circuit breaker lets trial calls through within its open window (1 s here); probe until one passes.
        List<String> probes = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            EventEnvelope probe = addToCart();
            probes.add(probe.eventId());
            kafka.send(probe);
            Set<String> enrichedNow = enrichedIdsNow();
            return probes.stream().anyMatch(enrichedNow::contains);
        });
        List<EventEnvelope> afterOutage = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            afterOutage.add(addToCart());
        }
        afterOutage.forEach(kafka::send);
        kafka.enrichedUntil(found -> ids(found).containsAll(ids(afterOutage)));
        assertThat(kafka.failedUntil(found -> true)).extracting(FailedEvent::eventId)
                .doesNotContainAnyElementsOf(ids(afterOutage));

        AtomicLong lastReported = new AtomicLong(-1);
        ReplayResult result = new DlqReplayer(kafka.baseConfig()).replay(new ReplayRequest(kafka.dlq, kafka.input,
                Optional.of(FailureType.ENRICHMENT_FAILURE), Optional.of(outageStart)),
                (scanned, total, replayed, skipped) -> lastReported.set(replayed));

        assertThat(result.replayed()).isGreaterThanOrEqualTo(20).isEqualTo(lastReported.get());
        assertThat(result.skipped()).isZero();
        List<EventEnvelope> enriched = kafka.enrichedUntil(found -> ids(found).containsAll(outageIds));
        assertThat(enriched.stream().map(EventEnvelope::eventId).filter(outageIds::contains).toList())
                .as("each recovered event exactly once").hasSize(20).doesNotHaveDuplicates();

        // Replaying again re-submits the same events; the dedup store keeps them from coming out twice.
        long duplicatesBefore = enricher.metrics().duplicateCount();
        ReplayResult again = new DlqReplayer(kafka.baseConfig()).replay(new ReplayRequest(kafka.dlq, kafka.input,
                Optional.of(FailureType.ENRICHMENT_FAILURE), Optional.of(outageStart)), ReplayProgress.NONE);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> enricher.metrics().duplicateCount() - duplicatesBefore >= again.replayed());
        assertThat(kafka.readAll(kafka.output).stream().map(r -> new String(r.value()))
                .filter(v -> outageIds.stream().anyMatch(v::contains)).count()).isEqualTo(20);
    }

    private static Set<String> enrichedIdsNow() {
        return kafka.readAll(kafka.output).stream()
                .map(r -> Json.fromBytes(r.value(), EventEnvelope.class).eventId())
                .collect(Collectors.toSet());
    }

    private static EventEnvelope addToCart() {
        return event("com.webshop/add_to_cart/1-0-0", "{\"product_id\": \"P0003\", \"quantity\": 1}");
    }

    private static Set<String> ids(List<EventEnvelope> events) {
        return events.stream().map(EventEnvelope::eventId).collect(Collectors.toCollection(HashSet::new));
    }
}
