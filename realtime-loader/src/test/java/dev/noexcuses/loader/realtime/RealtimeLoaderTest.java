package dev.noexcuses.loader.realtime;

import static dev.noexcuses.loader.realtime.LoaderTestSupport.enrichedEvent;
import static dev.noexcuses.loader.realtime.LoaderTestSupport.failedEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.loader.realtime.document.DailyIndex;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.core.search.Hit;

class RealtimeLoaderTest {
    private static final Duration LOADED = Duration.ofSeconds(60);

    @Test
    void enrichedEventsBecomeSearchableByEventIdInTheirDailyIndexWithTheirEnrichments() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            Instant yesterday = Instant.now().minus(1, ChronoUnit.DAYS);
            List<EventEnvelope> events = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                EventEnvelope event = enrichedEvent("user-" + (i % 7), i < 10 ? yesterday : Instant.now());
                events.add(event);
                t.sendEvent(event);
            }
            String all = t.enrichedPrefix + "*";
            await().atMost(LOADED).until(() -> t.count(all) == 30);

            EventEnvelope first = events.get(0);
            List<Hit<JsonNode>> hits = t.byId(all, first.eventId());
            assertThat(hits).singleElement().satisfies(hit -> {
                assertThat(hit.index()).isEqualTo(DailyIndex.name(t.enrichedPrefix, first.receivedAt()));
                assertThat(hit.source().path("enrichments").path("geo").path("city").asText()).isEqualTo("Berlin");
                assertThat(hit.source().path("enrichments").path("products").get(0).path("price").asDouble())
                        .isEqualTo(98.86);
                assertThat(hit.source().path("data").path("page").asText()).isEqualTo("/products/P0001");
                // Collector receive to the bulk request, for latency aggregations (alerting).
                assertThat(hit.source().path("loader").path("latency_ms").isNumber()).isTrue();
            });
            EventEnvelope last = events.get(29);
            assertThat(t.byId(all, last.eventId())).singleElement()
                    .satisfies(hit -> assertThat(hit.index()).isEqualTo(DailyIndex.name(t.enrichedPrefix, last.receivedAt())));

            // The explicit mappings at work: keyword terms, the data's leaves, a geo distance.
            assertThat(t.byTerm(all, "enrichments.user_agent.browser", "Firefox")).hasSize(30);
            assertThat(t.byTerm(all, "data.product_id", "P0001")).hasSize(30);
            assertThat(t.byTerm(all, "user_id", "user-3")).hasSize(4);
            long nearBerlin = t.search.count(c -> c.index(all).query(q -> q.geoDistance(g -> g
                    .field("enrichments.geo.location").distance("10km")
                    .location(l -> l.latlon(ll -> ll.lat(52.5).lon(13.4)))))).count();
            assertThat(nearBerlin).isEqualTo(30);
            assertThat(loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED)).isEqualTo(30);
            assertThat(loader.metrics().endToEndLatency().count()).isEqualTo(30);
        }
    }

    @Test
    void aBacklogIsLoadedInLargeBulksThoughAQuietStreamsDocumentsGoOneBulkEach() throws Exception {
        int backlog = 2_000;
        try (var t = new LoaderTestSupport(Map.of())) {
            for (int i = 0; i < backlog; i++) {
                EventEnvelope event = enrichedEvent("user-" + (i % 50), Instant.now());
                t.sendAsync(t.enrichedTopic, event.partitionKey(), Json.toBytes(event));
            }
            t.flush();
            try (RealtimeLoader loader = t.startLoader()) {
                String all = t.enrichedPrefix + "*";
                await().atMost(LOADED).until(() -> t.count(all) == backlog);
                // Busy: the documents that arrive while a bulk is in flight gather into the next one.
                long backlogBulks = loader.metrics().bulkRequests();
                assertThat(backlogBulks).isLessThanOrEqualTo(backlog / 100);

                // Quiet: each document goes as soon as it is read, in a bulk of its own.
                for (int i = 1; i <= 3; i++) {
                    t.sendEvent(enrichedEvent("quiet", Instant.now()));
                    long expected = backlog + i;
                    await().atMost(LOADED).until(() -> t.count(all) == expected);
                }
                assertThat(loader.metrics().bulkRequests()).isEqualTo(backlogBulks + 3);
            }
        }
    }

    @Test
    void failedRecordsOfBothDlqsAreSearchableByTheirFailureIdAndCountsMatchTheTopics() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            List<FailedEvent> schemaViolations = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                FailedEvent failure = failedEvent(FailureType.SCHEMA_VIOLATION, "enricher");
                schemaViolations.add(failure);
                t.send(t.enrichedDlq, failure.eventId(), Json.toBytes(failure));
            }
            for (int i = 0; i < 8; i++) {
                FailedEvent failure = failedEvent(FailureType.PAYLOAD_FORMAT, "collector");
                t.send(t.rawDlq, null, Json.toBytes(failure));
            }
            for (int i = 0; i < 5; i++) {
                t.sendEvent(enrichedEvent("u", Instant.now()));
            }
            await().atMost(LOADED).until(() -> t.count(t.failedPrefix + "*") == 20 && t.count(t.enrichedPrefix + "*") == 5);

            FailedEvent one = schemaViolations.get(3);
            assertThat(t.byId(t.failedPrefix + "*", one.failureId())).singleElement().satisfies(hit -> {
                assertThat(hit.index()).isEqualTo(DailyIndex.name(t.failedPrefix, one.failedAt()));
                assertThat(hit.source().path("failure_type").asText()).isEqualTo("schema_violation");
                assertThat(hit.source().path("errors").get(0).path("path").asText()).isEqualTo("$.data.price");
                assertThat(hit.source().path("payload").asText()).isEqualTo("{\"broken\":true}");
            });
            assertThat(t.byTerm(t.failedPrefix + "*", "failure_type", "payload_format")).hasSize(8);
            assertThat(t.byTerm(t.failedPrefix + "*", "component", "enricher")).hasSize(12);
            assertThat(loader.metrics().indexedCount(IndexDocument.Kind.FAILED)).isEqualTo(20);
        }
    }

    @Test
    void aDocumentTheClusterRefusesBecomesALoaderFailureRecordAndTheEventsAfterItAreLoaded() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            EventEnvelope before = enrichedEvent("same-user", Instant.now());
            ObjectNode refused = (ObjectNode) Json.mapper().valueToTree(enrichedEvent("same-user", Instant.now()));
            refused.put("event_time", "the day before yesterday");
            EventEnvelope after = enrichedEvent("same-user", Instant.now());
            t.sendEvent(before);
            t.send(t.enrichedTopic, "same-user", Json.toBytes(refused));
            t.send(t.enrichedTopic, "same-user", "not json at all".getBytes(StandardCharsets.UTF_8));
            t.sendEvent(after);

            String enriched = t.enrichedPrefix + "*";
            String failed = t.failedPrefix + "*";
            await().atMost(LOADED).until(() -> t.count(enriched) == 2 && t.count(failed) == 2);
            assertThat(t.byId(enriched, before.eventId())).hasSize(1);
            assertThat(t.byId(enriched, after.eventId())).hasSize(1);

            List<Hit<JsonNode>> failures = t.byTerm(failed, "failure_type", "loader_failure");
            assertThat(failures).hasSize(2);
            JsonNode mappingConflict = failures.stream().map(Hit::source)
                    .filter(s -> s.path("event_id").asText().equals(refused.path("event_id").asText()))
                    .findFirst().orElseThrow();
            assertThat(mappingConflict.path("component").asText()).isEqualTo("realtime-loader");
            assertThat(mappingConflict.path("errors").get(0).path("path").asText()).isEqualTo("$.event_time");
            assertThat(mappingConflict.path("errors").get(0).path("message").asText()).contains("Rejected");
            // The refused event is kept, its personal data pseudonymised like every failed record's.
            JsonNode kept = Json.mapper().readTree(mappingConflict.path("payload").asText());
            assertThat(kept.path("event_id")).isEqualTo(refused.path("event_id"));
            assertThat(kept.path("event_time").asText()).isEqualTo("the day before yesterday");
            assertThat(kept.path("user_id").asText())
                    .isEqualTo(dev.noexcuses.common.privacy.Pseudonymiser.from(t.config).hmac("same-user"));
            assertThat(mappingConflict.path("context").path("topic").asText()).isEqualTo(t.enrichedTopic);
            assertThat(failures.stream().map(Hit::source).map(s -> s.path("payload").asText()))
                    .contains("not json at all");
            assertThat(loader.metrics().rejectedCount()).isEqualTo(1);
            assertThat(loader.metrics().indexedCount(IndexDocument.Kind.LOADER_FAILURE)).isEqualTo(2);
        }
    }

    @Test
    void eventDataWithEverNewFieldsNeverGrowsTheMapping() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            for (int i = 0; i < 300; i++) {
                EventEnvelope event = enrichedEvent("u" + i, Instant.now());
                ObjectNode data = (ObjectNode) event.data();
                data.put("field_" + i, i);
                data.putObject("nested_" + i).put("deep_" + i, "v" + i);
                event.enrichments().put("new_enrichment_" + i, "x");
                t.sendEvent(event);
            }
            await().atMost(LOADED).until(() -> t.count(t.enrichedPrefix + "*") == 300);
            String index = DailyIndex.name(t.enrichedPrefix, Instant.now());
            JsonNode mapping = t.search.generic().execute(org.opensearch.client.opensearch.generic.Requests.builder()
                    .method("GET").endpoint("/" + index + "/_mapping").build())
                    .getBody().map(b -> {
                        try {
                            return Json.mapper().readTree(b.bodyAsBytes());
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).orElseThrow();
            JsonNode properties = mapping.path(index).path("mappings").path("properties");
            assertThat(properties.path("data").path("type").asText()).isEqualTo("flat_object");
            assertThat(properties.path("enrichments").path("properties").has("new_enrichment_7")).isFalse();
            assertThat(mapping.toString()).doesNotContain("field_42", "nested_42");
            // Searchable all the same: flat_object indexes every leaf under one field.
            assertThat(t.byTerm(t.enrichedPrefix + "*", "data.nested_42.deep_42", "v42")).hasSize(1);
        }
    }

    @Test
    void replayedRecordsOverwriteTheirDocumentInsteadOfDuplicatingIt() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            EventEnvelope event = enrichedEvent("u", Instant.now());
            FailedEvent failure = failedEvent(FailureType.ENRICHMENT_FAILURE, "enricher");
            for (int i = 0; i < 3; i++) {
                t.sendEvent(event);
                t.send(t.enrichedDlq, "u", Json.toBytes(failure));
            }
            await().atMost(LOADED).until(() -> loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED) == 3
                    && loader.metrics().indexedCount(IndexDocument.Kind.FAILED) == 3);
            assertThat(t.count(t.enrichedPrefix + "*")).isEqualTo(1);
            assertThat(t.count(t.failedPrefix + "*")).isEqualTo(1);
        }
    }

    @Test
    void adminServerAnswersHealthReadinessAndPrometheusMetrics() throws Exception {
        try (var t = new LoaderTestSupport(Map.of()); RealtimeLoader loader = t.startLoader()) {
            t.sendEvent(enrichedEvent("u", Instant.now()));
            await().atMost(LOADED).until(() -> t.count(t.enrichedPrefix + "*") == 1);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + loader.adminPort();
            assertThat(status(http, base + "/healthz")).isEqualTo(200);
            await().atMost(LOADED).until(() -> status(http, base + "/readyz") == 200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("realtime_loader_documents_indexed_total{kind=\"enriched\"} 1.0",
                    "realtime_loader_documents_rejected_total", "realtime_loader_bulk_latency_seconds",
                    "realtime_loader_consumer_lag_records{topic=\"" + t.enrichedTopic + "\"}",
                    "realtime_loader_end_to_end_latency_seconds_count 1");
        }
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
