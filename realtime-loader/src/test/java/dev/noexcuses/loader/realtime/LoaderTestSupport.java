package dev.noexcuses.loader.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.loader.realtime.index.SearchClients;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.httpclient5.ResponseException;
import org.opensearch.client.opensearch.core.search.Hit;

/**
 * One test's own world on the shared real Kafka broker and OpenSearch server: its own topics, consumer
 * group and index prefixes, so tests never see each other's documents.
 */
final class LoaderTestSupport implements AutoCloseable {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    final String name;
    final String enrichedTopic;
    final String enrichedDlq;
    final String rawDlq;
    final String enrichedPrefix;
    final String failedPrefix;
    final Config config;
    final OpenSearchClient search;
    private final KafkaProducer<String, byte[]> producer;

    LoaderTestSupport(Map<String, String> overrides) {
        this(overrides, SharedLocalInfra.serviceConfig(Map.of(), "opensearch"));
    }

    /** On the infrastructure {@code infraConfig} points at (a test that stops a server brings its own). */
    LoaderTestSupport(Map<String, String> overrides, Config infraConfig) {
        name = "t" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
        enrichedTopic = name + ".events.enriched";
        enrichedDlq = name + ".events.enriched.dlq";
        rawDlq = name + ".events.raw.dlq";
        enrichedPrefix = name + "-events-enriched-";
        failedPrefix = name + "-events-failed-";
        Map<String, String> settings = new HashMap<>();
        settings.put("realtime-loader.group-id", name + "-loader");
        settings.put("realtime-loader.topics.enriched", enrichedTopic);
        settings.put("realtime-loader.topics.failed", enrichedDlq + "," + rawDlq);
        settings.put("realtime-loader.index.enriched-prefix", enrichedPrefix);
        settings.put("realtime-loader.index.failed-prefix", failedPrefix);
        settings.put("realtime-loader.bulk.max-backoff", "1s");
        settings.put("realtime-loader.admin.port", "0");
        settings.put("realtime-loader.admin.host", "127.0.0.1");
        settings.putAll(overrides);
        config = ConfigFactory.parseMap(settings).withFallback(infraConfig);
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            admin.createTopics(List.of(new NewTopic(enrichedTopic, 3, (short) 1), new NewTopic(enrichedDlq, 1, (short) 1),
                    new NewTopic(rawDlq, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // Producing before the broker has leaders for new topics can wedge an idempotent producer.
            dev.noexcuses.infra.kafka.TopicSetup.awaitLeaders(admin, List.of(enrichedTopic, enrichedDlq, rawDlq));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create the test topics", e);
        }
        java.util.Properties producerProps = KafkaClients.reliableProducer(config, name, 30_000);
        // One request in flight: the broker can still answer NOT_LEADER for a moment after the new
        // topics show leaders, and an idempotent producer whose first batch failed so while later
        // ones succeeded retries out of sequence for ever.
        producerProps.put("max.in.flight.requests.per.connection", "1");
        producer = new KafkaProducer<>(producerProps);
        search = SearchClients.create(ClusterAccess.from(config), Duration.ofSeconds(30));
    }

    RealtimeLoader startLoader() {
        return RealtimeLoader.start(config);
    }

    /** An enriched event as the enricher writes it, received by the collector {@code receivedAt}. */
    static EventEnvelope enrichedEvent(String userId, Instant receivedAt) {
        ObjectNode data = Json.mapper().createObjectNode();
        data.put("page", "/products/P0001");
        data.put("product_id", "P0001");
        ObjectNode enrichments = Json.mapper().createObjectNode();
        ObjectNode geo = enrichments.putObject("geo");
        geo.put("country_code", "DE");
        geo.put("country", "Germany");
        geo.put("city", "Berlin");
        ObjectNode location = geo.putObject("location");
        location.put("lat", 52.52);
        location.put("lon", 13.40);
        ObjectNode agent = enrichments.putObject("user_agent");
        agent.put("browser", "Firefox");
        agent.put("os", "Linux");
        agent.put("device", "Other");
        ObjectNode product = enrichments.putArray("products").addObject();
        product.put("product_id", "P0001");
        product.put("name", "Trail Runner");
        product.put("category", "shoes");
        product.put("price", 98.86);
        product.put("currency", "EUR");
        enrichments.put("enriched_at", receivedAt.plusMillis(5).toString());
        return new EventEnvelope(UUID.randomUUID().toString(), "com.webshop/product_view/1-0-0",
                receivedAt.minusMillis(40), "web", userId, null, data,
                new CollectorMetadata(receivedAt, "collector-1", UUID.randomUUID().toString(), "3a5f0c", "Mozilla/5.0",
                        "web-key", "rest"),
                enrichments);
    }

    static FailedEvent failedEvent(FailureType type, String component) {
        return FailedEvent.ofText(type, component, List.of(new FailureError("$.data.price", "must be a number")),
                UUID.randomUUID().toString(), "{\"broken\":true}", Instant.now(), Map.of("request_id", "r-1"));
    }

    void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot produce to " + topic, e);
        }
    }

    /** Sends without waiting; {@link #flush()} waits for everything sent. */
    void sendAsync(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    void flush() {
        producer.flush();
    }

    void sendEvent(EventEnvelope event) {
        send(enrichedTopic, event.partitionKey(), Json.toBytes(event));
    }

    /**
     * Documents in the indices matching {@code pattern}, as searchable now (after a refresh); -1 while a
     * new index's shards are still starting.
     */
    long count(String pattern) throws IOException {
        try {
            search.indices().refresh(r -> r.index(pattern).ignoreUnavailable(true).allowNoIndices(true));
            return search.count(c -> c.index(pattern).ignoreUnavailable(true).allowNoIndices(true)).count();
        } catch (ResponseException e) {
            if (shardsStarting(e)) {
                return -1;
            }
            throw e;
        }
    }

    /**
     * OpenSearch answers 503 "all shards failed" for an index whose shards are still starting (just created
     * by the loader's first bulk request on a busy machine): not searchable yet, asked again by the caller.
     */
    private static boolean shardsStarting(ResponseException e) {
        return e.status() == 503;
    }

    /** The hits with the document id {@code id} in the indices matching {@code pattern} (none while shards start). */
    List<Hit<JsonNode>> byId(String pattern, String id) throws IOException {
        try {
            return search.search(s -> s.index(pattern).ignoreUnavailable(true).allowNoIndices(true)
                    .query(q -> q.ids(i -> i.values(id))), JsonNode.class).hits().hits();
        } catch (ResponseException e) {
            if (shardsStarting(e)) {
                return List.of();
            }
            throw e;
        }
    }

    List<Hit<JsonNode>> byTerm(String pattern, String field, String value) throws IOException {
        try {
            search.indices().refresh(r -> r.index(pattern).ignoreUnavailable(true).allowNoIndices(true));
            return search.search(s -> s.index(pattern).size(100).ignoreUnavailable(true).allowNoIndices(true)
                    .query(q -> q.term(t -> t.field(field).value(v -> v.stringValue(value)))), JsonNode.class)
                    .hits().hits();
        } catch (ResponseException e) {
            if (shardsStarting(e)) {
                return List.of();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        SearchClients.close(search);
    }
}
