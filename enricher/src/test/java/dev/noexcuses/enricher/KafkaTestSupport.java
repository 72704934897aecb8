package dev.noexcuses.enricher;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.SharedLocalInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The real broker of {@link SharedLocalInfra}, with topics of its own per test class (so classes
 * never see each other's events), a producer of raw events and readers of the output topics.
 */
public final class KafkaTestSupport implements AutoCloseable {
    public static final String CHROME_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

    public final String input;
    public final String output;
    public final String dlq;
    private final Config base;
    private final KafkaProducer<String, byte[]> producer;

    public KafkaTestSupport(String prefix) {
        String unique = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.input = unique + ".raw";
        this.output = unique + ".enriched";
        this.dlq = unique + ".enriched.dlq";
        this.base = SharedLocalInfra.serviceConfig(Map.of());
        try (Admin admin = Admin.create(KafkaClients.base(base))) {
            admin.createTopics(List.of(new NewTopic(input, 3, (short) 1), new NewTopic(output, 3, (short) 1),
                    new NewTopic(dlq, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // Producing before the broker has leaders for new topics can wedge an idempotent producer.
            dev.noexcuses.infra.kafka.TopicSetup.awaitLeaders(admin, List.of(input, output, dlq));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create test topics " + unique, e);
        }
        this.producer = new KafkaProducer<>(KafkaClients.reliableProducer(base, "test-" + unique, 10_000));
    }

    /** Enricher config on the shared broker and this class's topics, with a fresh state dir. */
    public Config enricherConfig(Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>();
        try {
            all.put("enricher.state-dir", Files.createTempDirectory("enricher-state-").toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        all.put("enricher.application-id", "enricher-" + input);
        all.put("enricher.topics.input", input);
        all.put("enricher.topics.output", output);
        all.put("enricher.topics.dlq", dlq);
        all.put("enricher.registry.location", Path.of("..", "schemas").toString());
        all.put("enricher.admin.port", "0");
        all.put("enricher.admin.host", "127.0.0.1");
        all.put("enricher.api.circuit-breaker.open-window", "1s");
        all.put("enricher.api.circuit-breaker.trial-interval", "200ms");
        all.put("enricher.api.circuit-breaker.minimum-requests", "3");
        all.put("enricher.api.circuit-breaker.counter-window", "2s");
        // Off unless a test names its own database: the default one is downloaded, and tests stay offline.
        all.put("enricher.enrichments.geoip.enabled", String.valueOf(overrides.containsKey("enricher.enrichments.geoip.database")));
        all.putAll(overrides);
        return SharedLocalInfra.serviceConfig(all);
    }

    public static EventEnvelope event(String schema, String json) {
        return event(UUID.randomUUID().toString(), schema, json);
    }

    public static EventEnvelope event(String eventId, String schema, String json) {
        try {
            return new EventEnvelope(eventId, schema, Instant.now(), "web", "user-" + (eventId.hashCode() & 63),
                    null, Json.mapper().readTree(json),
                    new CollectorMetadata(Instant.now(), "collector-1", "req-" + eventId, "81.2.69.160", CHROME_UA,
                            "web", "http"), null);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    public void send(EventEnvelope event) {
        sendBytes(event.partitionKey(), Json.toBytes(event));
    }

    /** Sends {@code event} with the record timestamp {@code timestamp} (the collector's write time). */
    public void send(EventEnvelope event, Instant timestamp) {
        try {
            producer.send(new ProducerRecord<>(input, null, timestamp.toEpochMilli(), event.partitionKey(),
                    Json.toBytes(event))).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot send to " + input, e);
        }
    }

    public void sendBytes(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(input, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot send to " + input, e);
        }
    }

    /** Every committed record of {@code topic}, read from the start until {@code done} holds (at most 60 s). */
    public List<ConsumerRecord<String, byte[]>> readUntil(String topic,
                                                           Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(base, "reader-" + UUID.randomUUID()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return done.test(records);
            });
        }
        return records;
    }

    public List<EventEnvelope> enrichedUntil(Predicate<List<EventEnvelope>> done) {
        List<EventEnvelope> found = new ArrayList<>();
        readUntil(output, records -> {
            found.clear();
            records.forEach(r -> found.add(Json.fromBytes(r.value(), EventEnvelope.class)));
            return done.test(found);
        });
        return found;
    }

    public List<FailedEvent> failedUntil(Predicate<List<FailedEvent>> done) {
        List<FailedEvent> found = new ArrayList<>();
        readUntil(dlq, records -> {
            found.clear();
            records.forEach(r -> found.add(Json.fromBytes(r.value(), FailedEvent.class)));
            return done.test(found);
        });
        return found;
    }

    /** All committed records of {@code topic} now (reads to the end offsets as of this call). */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(base, "reader-" + UUID.randomUUID()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
            return records;
        }
    }

    public Config baseConfig() {
        return base;
    }

    @Override
    public void close() {
        producer.close();
    }
}
