package dev.noexcuses.loader.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One test's world on the shared real Kafka, PostgreSQL and S3 servers: its own three topics, its
 * own namespace for the two tables, a producer, and the tables read back with the Iceberg API.
 */
final class LoaderFixture implements AutoCloseable {
    final String id = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final String enrichedTopic = id + ".events.enriched";
    final String enrichedDlq = id + ".events.enriched.dlq";
    final String rawDlq = id + ".events.raw.dlq";
    final String enrichedTable = id + ".enriched_events";
    final String failedTable = id + ".failed_events";
    final Config config;
    private final KafkaProducer<String, byte[]> producer;
    private final LakeCatalog lake;

    LoaderFixture(int partitions, Map<String, String> overrides) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("batch-loader.topics.enriched", enrichedTopic);
        settings.put("batch-loader.topics.failed", "[\"" + enrichedDlq + "\", \"" + rawDlq + "\"]");
        settings.put("batch-loader.tables.enriched-events", enrichedTable);
        settings.put("batch-loader.tables.failed-events", failedTable);
        settings.put("batch-loader.group-id", id + "-loader");
        settings.put("batch-loader.admin.port", "0");
        settings.put("batch-loader.flush.max-age", "1s");
        settings.put("batch-loader.orphan-files.min-age", "0s");
        settings.putAll(overrides);
        Config base = SharedLocalInfra.serviceConfig(Map.of(), "postgres", "s3");
        // Lists do not parse from --set style maps: layer them through HOCON.
        StringBuilder hocon = new StringBuilder();
        settings.forEach((k, v) -> hocon.append(k).append(" = ").append(v.startsWith("[") ? v : quote(v)).append('\n'));
        config = com.typesafe.config.ConfigFactory.parseString(hocon.toString()).withFallback(base).resolve();
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            admin.createTopics(List.of(new NewTopic(enrichedTopic, partitions, (short) 1),
                    new NewTopic(enrichedDlq, partitions, (short) 1), new NewTopic(rawDlq, 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            // Producing before the broker has leaders for new topics can wedge an idempotent producer.
            dev.noexcuses.infra.kafka.TopicSetup.awaitLeaders(admin, List.of(enrichedTopic, enrichedDlq, rawDlq));
        }
        producer = new KafkaProducer<>(KafkaClients.reliableProducer(config, id + "-producer", 30_000));
        lake = LakeCatalog.open(LakeSettings.from(config));
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static EventEnvelope event(int n) {
        Instant received = Instant.parse("2026-03-01T10:00:00Z").plus(n % 3, ChronoUnit.DAYS).plusMillis(n);
        ObjectNode data = Json.mapper().createObjectNode().put("product_id", "P" + (n % 50)).put("quantity", n % 5 + 1);
        ObjectNode enrichments = Json.mapper().createObjectNode();
        enrichments.putObject("user_agent").put("browser", "Firefox").put("browser_version", "128.0").put("os", "Linux")
                .put("device", "Other");
        ObjectNode geo = enrichments.putObject("geo").put("country_code", "DE").put("country", "Germany")
                .put("region", "Land Berlin").put("city", "Berlin");
        geo.putObject("location").put("lat", 52.5244).put("lon", 13.4105);
        enrichments.putObject("score").put("model", "churn").put("version", "3").put("value", 0.25);
        enrichments.putArray("products").addObject().put("product_id", "P" + (n % 50)).put("category", "shoes");
        return new EventEnvelope(UUID.nameUUIDFromBytes(("event-" + n).getBytes()).toString(),
                "com.webshop/add_to_cart/1-0-0", received.minusSeconds(1), "web-shop", "user-" + (n % 17), null,
                data, new CollectorMetadata(received, "collector-1", "req-" + n, "203.0.113.9", "Mozilla/5.0",
                        "web-shop", "rest"), enrichments);
    }

    static FailedEvent failure(int n, String component, FailureType type) {
        return new FailedEvent("failure-" + component + "-" + n, type, component,
                List.of(new FailureError("$.data.quantity", "must be an integer")), "event-" + n,
                "{\"event_id\":\"event-" + n + "\",\"collector\":{\"received_at\":\"2026-03-02T08:00:00Z\"}}",
                FailedEvent.UTF8, false, Instant.parse("2026-03-02T08:00:01Z"), Map.of("schema", "x/y/1-0-0"));
    }

    void sendEnriched(EventEnvelope event) throws Exception {
        send(enrichedTopic, event.partitionKey(), Json.toBytes(event));
    }

    void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    void sendAsync(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    void flushProducer() {
        producer.flush();
    }

    Table table(String name) {
        return lake.catalog().loadTable(TableIdentifier.parse(name));
    }

    boolean tableExists(String name) {
        return lake.catalog().tableExists(TableIdentifier.parse(name));
    }

    List<Record> rows(String name) {
        if (!tableExists(name)) {
            return List.of();
        }
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table(name)).build()) {
            records.forEach(r -> rows.add(r.copy()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rows;
    }

    LakeCatalog lake() {
        return lake;
    }

    @Override
    public void close() {
        producer.close();
        lake.close();
    }
}
