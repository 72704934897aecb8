package dev.noexcuses.enricher.replay;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-submits the original events of failed-event records to the raw topic, once the cause of the
 * failure is fixed ({@code ./platform replay-dlq}). It reads the DLQ from its start up to the end it
 * had when the replay began, so it finishes even while new failures arrive. The original bytes go
 * back untouched, keyed by their user (or anonymous) id; the enricher's dedup drops any event that
 * was already enriched, so replaying twice does not duplicate.
 */
public final class DlqReplayer {
    private static final Logger LOG = LoggerFactory.getLogger(DlqReplayer.class);
    /** Header on replayed records: the failure record they came from. */
    public static final String REPLAYED_FROM_HEADER = "replayed-from-failure";

    private final Config config;

    public DlqReplayer(Config config) {
        this.config = requireNonNull(config, "config is null");
    }

    public ReplayResult replay(ReplayRequest request, ReplayProgress progress) {
        requireNonNull(request, "request is null");
        requireNonNull(progress, "progress is null");
        long scanned = 0;
        long replayed = 0;
        long skipped = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                     KafkaClients.consumer(config, "replay-dlq-" + UUID.randomUUID()));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                     KafkaClients.reliableProducer(config, "replay-dlq", 30_000))) {
            List<TopicPartition> partitions = consumer.partitionsFor(request.fromTopic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(request.fromTopic(), p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new IllegalArgumentException("Topic " + request.fromTopic() + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
            long total = partitions.stream().mapToLong(tp -> end.get(tp) - start.get(tp)).sum();
            progress.onProgress(0, total, 0, 0);
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            while (!reachedEnd(consumer, partitions, end)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() >= end.get(new TopicPartition(record.topic(), record.partition()))) {
                        continue;
                    }
                    scanned++;
                    FailedEvent failed;
                    try {
                        failed = Json.fromBytes(record.value(), FailedEvent.class);
                    } catch (RuntimeException e) {
                        skipped++;
                        LOG.warn("Skipping {}-{}@{}: not a failed-event record: {}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                        continue;
                    }
                    if (!matches(failed, request)) {
                        continue;
                    }
                    if (failed.payloadTruncated()) {
                        skipped++;
                        LOG.warn("Skipping failure {}: only the first bytes of its payload were kept", failed.failureId());
                        continue;
                    }
                    byte[] original = failed.payloadBytes();
                    ProducerRecord<String, byte[]> resubmit = new ProducerRecord<>(request.toTopic(),
                            keyOf(original, record.key()), original);
                    resubmit.headers().add(REPLAYED_FROM_HEADER, failed.failureId().getBytes(StandardCharsets.UTF_8));
                    sends.add(producer.send(resubmit));
                    replayed++;
                }
                awaitAll(sends);
                progress.onProgress(scanned, total, replayed, skipped);
            }
            producer.flush();
            awaitAll(sends);
            progress.onProgress(scanned, total, replayed, skipped);
        }
        LOG.info("Replayed {} of {} failed events from {} to {} ({} skipped)", replayed, scanned, request.fromTopic(),
                request.toTopic(), skipped);
        return new ReplayResult(scanned, replayed, skipped);
    }

    private static boolean matches(FailedEvent failed, ReplayRequest request) {
        if (request.failureType().isPresent() && failed.failureType() != request.failureType().get()) {
            return false;
        }
        return request.since().isEmpty() || !failed.failedAt().isBefore(request.since().get());
    }

    /** The record key the collector would have used: user_id, else anonymous_id, else the DLQ record's key. */
    private static String keyOf(byte[] original, String fallback) {
        try {
            JsonNode event = Json.mapper().readTree(original);
            if (event != null && event.isObject()) {
                String userId = event.path("user_id").asText("");
                if (!userId.isEmpty()) {
                    return userId;
                }
                String anonymousId = event.path("anonymous_id").asText("");
                if (!anonymousId.isEmpty()) {
                    return anonymousId;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not JSON: keep the key the record had.
        }
        return fallback;
    }

    private static boolean reachedEnd(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions,
                                      Map<TopicPartition, Long> end) {
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
    }

    private static void awaitAll(List<Future<RecordMetadata>> sends) {
        try {
            for (Future<RecordMetadata> send : sends) {
                send.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while replaying", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot re-submit a failed event: " + e.getCause().getMessage(), e.getCause());
        }
        sends.clear();
    }
}
