package dev.noexcuses.console.failed;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Re-submits chosen failed events to {@code events.raw}, as {@code ./platform replay-dlq} does for
 * whole topics: the original bytes are taken from the dead-letter topic (the search index may hold
 * a pseudonymised copy), keyed by their user, and marked with the failure they came from. The
 * enricher's deduplication makes a second replay of the same event harmless.
 */
final class FailureReplayer {
    /** Header on replayed records: the failure record they came from (the same header replay-dlq writes). */
    static final String REPLAYED_FROM_HEADER = "replayed-from-failure";
    /** How far before the earliest chosen failure the dead-letter topic is read from. */
    private static final Duration LOOK_BEFORE = Duration.ofMinutes(5);

    /** What became of one chosen failure: replayed to a partition and offset, or why not. */
    record Outcome(String failureId, String status, String detail, Integer partition, Long offset) {}

    private final Config config;

    FailureReplayer(Config config) {
        this.config = requireNonNull(config, "config is null");
    }

    /** Replays the failures of {@code wanted} (failure id to its failed_at) found in {@code dlqTopic}. */
    Map<String, Outcome> replay(String dlqTopic, Map<String, Instant> wanted) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        if (wanted.isEmpty()) {
            return outcomes;
        }
        Set<String> pending = new java.util.HashSet<>(wanted.keySet());
        Instant from = wanted.values().stream().min(Instant::compareTo).orElseThrow().minus(LOOK_BEFORE);
        Map<String, Future<RecordMetadata>> sends = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                     KafkaClients.consumer(config, "console-replay-" + UUID.randomUUID()));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                     KafkaClients.reliableProducer(config, "console-replay", 30_000))) {
            List<TopicPartition> partitions = consumer.partitionsFor(dlqTopic, Duration.ofSeconds(15)).stream()
                    .map(p -> new TopicPartition(dlqTopic, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> timestamps = new HashMap<>();
            partitions.forEach(tp -> timestamps.put(tp, from.toEpochMilli()));
            Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(timestamps, Duration.ofSeconds(15));
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(15));
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp start = starts.get(tp);
                consumer.seek(tp, start == null ? ends.get(tp) : start.offset());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!pending.isEmpty() && partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Reading " + dlqTopic + " took longer than 60 s");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    FailedEvent failed;
                    try {
                        failed = Json.fromBytes(record.value(), FailedEvent.class);
                    } catch (RuntimeException e) {
                        continue;
                    }
                    if (!pending.remove(failed.failureId())) {
                        continue;
                    }
                    if (failed.payloadTruncated()) {
                        outcomes.put(failed.failureId(), new Outcome(failed.failureId(), "skipped",
                                "only the first bytes of the payload were kept", null, null));
                        continue;
                    }
                    byte[] original = failed.payloadBytes();
                    ProducerRecord<String, byte[]> resubmit = new ProducerRecord<>(Topics.RAW,
                            keyOf(original, record.key()), original);
                    resubmit.headers().add(REPLAYED_FROM_HEADER, failed.failureId().getBytes(StandardCharsets.UTF_8));
                    sends.put(failed.failureId(), producer.send(resubmit));
                }
            }
            producer.flush();
            for (Map.Entry<String, Future<RecordMetadata>> send : sends.entrySet()) {
                RecordMetadata meta = send.getValue().get(30, TimeUnit.SECONDS);
                outcomes.put(send.getKey(), new Outcome(send.getKey(), "replayed",
                        "re-submitted to " + Topics.RAW, meta.partition(), meta.offset()));
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot re-submit to " + Topics.RAW + ": " + e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge the replay within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while replaying", e);
        }
        for (String id : pending) {
            outcomes.put(id, new Outcome(id, "not_found", "not in " + dlqTopic + " (expired by retention?)", null, null));
        }
        return outcomes;
    }

    /** The record key the collector would have used: user_id, else anonymous_id, else the DLQ record's key. */
    private static String keyOf(byte[] original, String fallback) {
        try {
            JsonNode event = Json.mapper().readTree(original);
            if (event != null && event.isObject()) {
                for (String field : List.of("user_id", "anonymous_id")) {
                    String value = event.path(field).asText("");
                    if (!value.isEmpty()) {
                        return value;
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not JSON: keep the key the record had.
        }
        return fallback;
    }
}
