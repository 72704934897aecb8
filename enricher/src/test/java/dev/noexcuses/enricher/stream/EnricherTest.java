package dev.noexcuses.enricher.stream;

import static dev.noexcuses.enricher.KafkaTestSupport.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpStatus;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.enricher.KafkaTestSupport;
import dev.noexcuses.enricher.enrich.PseudonymisationEnrichment;
import dev.noexcuses.enricher.geo.MmdbWriter;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import dev.noexcuses.enrichment.scoring.ModelScorer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The enricher on a real broker with the real enrichment API: what comes out of events.enriched and its DLQ. */
class EnricherTest {
    private static final String KEY = "test-key";
    private static KafkaTestSupport kafka;
    private static EnrichmentApiServer api;
    private static EnricherApp enricher;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestSupport("enricher");
        api = EnrichmentApiServer.start(PlatformConfig.defaults(Map.of("enrichment-api.port", "0",
                "enrichment-api.host", "127.0.0.1", "enrichment-api.schemas-directory", "../schemas")));
        Path geo = Files.createTempFile("geo-", ".mmdb");
        MmdbWriter.writeCityDatabase(geo, List.of(new MmdbWriter.Location("81.2.69.0/24", "GB", "United Kingdom",
                "London")));
        enricher = EnricherApp.start(kafka.enricherConfig(Map.of(
                "enricher.api.url", api.localUrl(),
                "enricher.enrichments.geoip.database", geo.toString(),
                "enricher.enrichments.pseudonymise.key", KEY,
                "enricher.enrichments.model-score.no-model-recheck", "100ms")));
        await().atMost(Duration.ofSeconds(60)).until(enricher::isRunning);
    }

    @AfterAll
    static void stop() {
        enricher.close();
        api.close();
        kafka.close();
    }

    @Test
    void validEventsComeOutEnrichedWithEveryEnabledEnrichment() {
        EventEnvelope addToCart = event("com.webshop/add_to_cart/1-0-0",
                "{\"product_id\": \"P0001\", \"quantity\": 2, \"price\": 98.86}");
        EventEnvelope purchase = event("com.webshop/purchase/1-0-0", """
                {"order_id": "o-1", "value": 10, "currency": "EUR", "items": [
                  {"product_id": "P0002", "quantity": 1}, {"product_id": "P9999", "quantity": 1}]}""");
        EventEnvelope signup = event("com.webshop/signup/1-0-0",
                "{\"method\": \"password\", \"email\": \"ann@example.com\"}");
        List.of(addToCart, purchase, signup).forEach(kafka::send);

        Map<String, EventEnvelope> out = byId(kafka.enrichedUntil(found -> ids(found).containsAll(
                List.of(addToCart.eventId(), purchase.eventId(), signup.eventId()))));

        PseudonymisationEnrichment hmac = new PseudonymisationEnrichment(KEY, List.of(),
                dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC);
        EventEnvelope cart = out.get(addToCart.eventId());
        JsonNode e = cart.enrichments();
        assertThat(e.at("/user_agent/browser").asText()).isEqualTo("Chrome");
        assertThat(e.at("/user_agent/os").asText()).isEqualTo("Windows");
        assertThat(e.at("/geo/country_code").asText()).isEqualTo("GB");
        assertThat(e.at("/geo/city").asText()).isEqualTo("London");
        assertThat(e.at("/products/0/name").asText()).isEqualTo("Trail Runner");
        assertThat(e.at("/products/0/category").asText()).isEqualTo("shoes");
        assertThat(e.at("/products/0/price").decimalValue()).isEqualByComparingTo("98.86");
        assertThat(e.has("score")).as("no model is deployed").isFalse();
        assertThat(e.has("enriched_at")).isTrue();
        assertThat(cart.userId()).isEqualTo(hmac.hmac(addToCart.userId()));
        assertThat(cart.collector().clientIp()).isEqualTo(hmac.hmac("81.2.69.160"));
        assertThat(cart.data()).isEqualTo(addToCart.data());

        JsonNode bought = out.get(purchase.eventId()).enrichments();
        assertThat(bought.at("/products/0/product_id").asText()).isEqualTo("P0002");
        assertThat(bought.at("/unknown_products/0").asText()).isEqualTo("P9999");

        assertThat(out.get(signup.eventId()).data().get("email").asText()).isEqualTo(hmac.hmac("ann@example.com"));
    }

    @Test
    void addsTheScoreOfADeployedModel() {
        api.deploy(new ModelScorer() {
            @Override
            public Optional<ModelInfo> model() {
                return Optional.of(new ModelInfo("conversion", "7"));
            }

            @Override
            public double score(JsonNode event) {
                return 0.75;
            }
        });
        try {
            // The enricher asks again 100 ms after its last "no model" answer: send until a score shows.
            List<String> sent = new ArrayList<>();
            List<EventEnvelope> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                EventEnvelope view = event("com.webshop/page_view/1-0-0", "{\"url\": \"/\", \"page_type\": \"home\"}");
                kafka.send(view);
                sent.add(view.eventId());
                found.clear();
                found.addAll(kafka.enrichedUntil(f -> ids(f).contains(view.eventId())));
                return found.stream().anyMatch(ev -> sent.contains(ev.eventId()) && ev.enrichments().has("score"));
            });
            JsonNode score = found.stream().filter(ev -> sent.contains(ev.eventId()) && ev.enrichments().has("score"))
                    .findFirst().orElseThrow().enrichments().get("score");
            assertThat(score.get("model").asText()).isEqualTo("conversion");
            assertThat(score.get("version").asText()).isEqualTo("7");
            assertThat(score.get("value").asDouble()).isEqualTo(0.75);
        } finally {
            api.deploy(ModelScorer.none());
        }
    }

    @Test
    void eachKindOfBadDataLandsInTheDlqWithItsFailureTypeAndPathAndTheOriginalUntouched() {
        Map<String, EventEnvelope> bad = new LinkedHashMap<>();
        bad.put("$.data.results", event("com.webshop/search/1-0-0", "{\"query\": \"shoes\", \"results\": \"many\"}"));
        bad.put("$.data.quantity", event("com.webshop/add_to_cart/1-0-0", "{\"product_id\": \"P0001\"}"));
        bad.put("$.data.page_type", event("com.webshop/page_view/1-0-0", "{\"url\": \"/\", \"page_type\": \"blog\"}"));
        bad.put("$.data.items[0].quantity", event("com.webshop/purchase/1-0-0", """
                {"order_id": "o", "value": 1, "currency": "EUR", "items": [{"product_id": "P0001", "quantity": 0}]}"""));
        // "format" asserts, not only annotates: an address that is not one fails.
        bad.put("$.data.email", event("com.webshop/signup/1-0-0", "{\"method\": \"password\", \"email\": \"x\"}"));
        bad.put("$.schema#unknown-schema", event("com.webshop/wishlist/1-0-0", "{}"));
        bad.put("$.schema#unknown-version", event("com.webshop/page_view/2-0-0", "{\"url\": \"/\"}"));
        bad.values().forEach(kafka::send);
        byte[] notAnEvent = "{\"schema\": \"com.webshop/page_view/1-0-0\", \"data\": 3".getBytes(StandardCharsets.UTF_8);
        kafka.sendBytes("someone", notAnEvent);

        Set<String> badIds = bad.values().stream().map(EventEnvelope::eventId).collect(Collectors.toSet());
        List<FailedEvent> failed = kafka.failedUntil(found -> found.stream().map(FailedEvent::eventId)
                .collect(Collectors.toSet()).containsAll(badIds)
                && found.stream().anyMatch(f -> f.failureType() == FailureType.PAYLOAD_FORMAT));
        Map<String, FailedEvent> byEvent = failed.stream().filter(f -> f.eventId() != null)
                .collect(Collectors.toMap(FailedEvent::eventId, Function.identity(), (a, b) -> a));

        bad.forEach((expected, sent) -> {
            FailedEvent f = byEvent.get(sent.eventId());
            String path = expected.split("#")[0];
            assertThat(f.failureType()).as(expected).isEqualTo(FailureType.SCHEMA_VIOLATION);
            assertThat(f.component()).isEqualTo("enricher");
            assertThat(f.errors()).as(expected).extracting(FailureError::path).contains(path);
            assertThat(f.payloadBytes()).as("original bytes untouched").isEqualTo(Json.toBytes(sent));
            assertThat(f.context()).containsEntry("topic", kafka.input).containsKeys("partition", "offset");
        });
        assertThat(byEvent.get(bad.get("$.schema#unknown-schema").eventId()).errors().get(0).message())
                .startsWith("Unknown schema com.webshop/wishlist");
        assertThat(byEvent.get(bad.get("$.schema#unknown-version").eventId()).errors().get(0).message())
                .startsWith("Unknown version 2-0-0 of schema com.webshop/page_view").contains("1-0-0");
        assertThat(failed).filteredOn(f -> f.failureType() == FailureType.PAYLOAD_FORMAT)
                .anySatisfy(f -> assertThat(f.payloadBytes()).isEqualTo(notAnEvent));
    }

    @Test
    void everyRawEventIsEnrichedFailedOrDeduplicatedAndDuplicatesInsideTheWindowComeOutOnce() {
        long duplicatesBefore = enricher.metrics().duplicateCount();
        List<EventEnvelope> valid = new ArrayList<>();
        List<EventEnvelope> invalid = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            valid.add(event("com.webshop/product_view/1-0-0", "{\"product_id\": \"P00" + (10 + i % 40) + "\"}"));
        }
        for (int i = 0; i < 10; i++) {
            invalid.add(event("com.webshop/search/1-0-0", "{\"query\": \"q" + i + "\"}"));
        }
        List<EventEnvelope> raw = new ArrayList<>(valid);
        raw.addAll(invalid);
        raw.addAll(valid.subList(0, 10));
        raw.forEach(kafka::send);
        Set<String> validIds = new HashSet<>(ids(valid));
        Set<String> invalidIds = new HashSet<>(ids(invalid));

        List<EventEnvelope> enriched = kafka.enrichedUntil(found -> ids(found).containsAll(validIds));
        List<FailedEvent> failed = kafka.failedUntil(found -> found.stream().map(FailedEvent::eventId)
                .toList().containsAll(invalidIds));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> enricher.metrics().duplicateCount() - duplicatesBefore == 10);

        List<String> enrichedIds = ids(enriched).stream().filter(validIds::contains).toList();
        List<String> failedIds = failed.stream().map(FailedEvent::eventId).filter(invalidIds::contains).toList();
        assertThat(enrichedIds).as("each valid event exactly once").hasSize(60).doesNotHaveDuplicates();
        assertThat(failedIds).hasSize(10).doesNotHaveDuplicates();
        long deduplicated = enricher.metrics().duplicateCount() - duplicatesBefore;
        assertThat(enrichedIds.size() + failedIds.size() + deduplicated).isEqualTo(raw.size());
    }

    @Test
    void aRepeatOutsideTheDedupWindowIsEmittedAgain() {
        EventEnvelope view = event("com.webshop/page_view/1-0-0", "{\"url\": \"/again\", \"page_type\": \"home\"}");
        Instant now = Instant.now();
        kafka.send(view, now.minus(Duration.ofMinutes(25)));
        kafka.send(view, now.minus(Duration.ofMinutes(20)));
        kafka.send(view, now);

        // 25 and 20 minutes ago are within 10 minutes of each other: one copy; now is 20 minutes later: emitted again.
        List<EventEnvelope> out = kafka.enrichedUntil(found -> found.stream()
                .filter(e -> e.eventId().equals(view.eventId())).count() == 2);
        assertThat(out).filteredOn(e -> e.eventId().equals(view.eventId())).hasSize(2);
    }

    @Test
    void reportsHealthAndMetricsOnItsAdminPort() {
        WebClient admin = WebClient.of("http://127.0.0.1:" + enricher.adminPort());
        assertThat(admin.get("/healthz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        assertThat(admin.get("/readyz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        assertThat(enricher.isHealthy()).isTrue();
        String metrics = admin.get("/metrics").aggregate().join().contentUtf8();
        assertThat(metrics).contains("enricher_events_total").contains("enricher_enrichment_seconds")
                .contains("kafka_stream");
    }

    private static Map<String, EventEnvelope> byId(List<EventEnvelope> events) {
        return events.stream().collect(Collectors.toMap(EventEnvelope::eventId, Function.identity(), (a, b) -> a));
    }

    private static List<String> ids(List<EventEnvelope> events) {
        return events.stream().map(EventEnvelope::eventId).toList();
    }

    static String newId() {
        return UUID.randomUUID().toString();
    }
}
