package dev.noexcuses.enricher.replay;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.EventPayloads;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.MalformedPayloadException;
import dev.noexcuses.common.intake.TopLevelLimits;
import dev.noexcuses.common.intake.TopLevelValidator;
import dev.noexcuses.common.intake.WriteKeys;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *
 * <p>Whatever the collector refused goes back to {@code events.raw} only through the collector's top-level checks, the same
 * {@link TopLevelValidator} with the same limits, and the sources its write key may send for today
 * (found by the key's fingerprint in the failed record). An event that still fails them is not
 * re-submitted: it fails again into {@code events.raw.dlq}, with a new record naming the one it
 * came from.
 */
public final class DlqReplayer {
    private static final Logger LOG = LoggerFactory.getLogger(DlqReplayer.class);
    /** Header on replayed records: the failure record they came from. */
    public static final String REPLAYED_FROM_HEADER = "replayed-from-failure";

    /** Context key of a record written when a replayed event failed again: the record it came from. */
    public static final String REPLAYED_FROM_CONTEXT = "replayed_from_failure";

    private static final String COLLECTOR = "collector";

    private final Config config;
    private final TopLevelValidator validator;
    private final WriteKeys writeKeys;

    public DlqReplayer(Config config) {
        this.config = requireNonNull(config, "config is null");
        this.validator = new TopLevelValidator(TopLevelLimits.from(config));
        this.writeKeys = WriteKeys.from(config);
    }

    public ReplayResult replay(ReplayRequest request, ReplayProgress progress) {
        requireNonNull(request, "request is null");
        requireNonNull(progress, "progress is null");
        long scanned = 0;
        long replayed = 0;
        long skipped = 0;
        long failedAgain = 0;
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
                    // Failures of later stages were events that passed the collector's checks already.
                    if (!request.toTopic().equals(Topics.RAW) || !COLLECTOR.equals(failed.component())) {
                        sends.add(producer.send(resubmission(request.toTopic(), original, record.key(), failed)));
                        replayed++;
                        continue;
                    }
                    for (ProducerRecord<String, byte[]> out : checkedForRaw(failed, original, record.key())) {
                        sends.add(producer.send(out));
                        if (out.topic().equals(Topics.RAW)) {
                            replayed++;
                        } else {
                            failedAgain++;
                        }
                    }
                }
                awaitAll(sends);
                progress.onProgress(scanned, total, replayed, skipped);
            }
            if (failedAgain > 0) {
                LOG.warn("{} replayed events failed the top-level checks again and are back in {}", failedAgain,
                        Topics.RAW_DLQ);
            }
            producer.flush();
            awaitAll(sends);
            progress.onProgress(scanned, total, replayed, skipped);
        }
        LOG.info("Replayed {} of {} failed events from {} to {} ({} skipped)", replayed, scanned, request.fromTopic(),
                request.toTopic(), skipped);
        return new ReplayResult(scanned, replayed, skipped, failedAgain);
    }

    private static ProducerRecord<String, byte[]> resubmission(String topic, byte[] value, String fallbackKey,
                                                               FailedEvent failed) {
        ProducerRecord<String, byte[]> resubmit = new ProducerRecord<>(topic, keyOf(value, fallbackKey), value);
        resubmit.headers().add(REPLAYED_FROM_HEADER, failed.failureId().getBytes(StandardCharsets.UTF_8));
        return resubmit;
    }

    /**
     * The records that replaying {@code failed} to the raw topic makes: each of its events that passes
     * the top-level checks goes to {@code events.raw} (JSON as it was sent; protobuf as the JSON the
     * collector would have made of it), each that does not to {@code events.raw.dlq} again.
     */
    private List<ProducerRecord<String, byte[]>> checkedForRaw(FailedEvent failed, byte[] original, String key) {
        Instant now = Instant.now();
        Set<String> sources = writeKeys.sourcesOfFingerprint(failed.context().get("write_key")).orElse(Set.of());
        boolean binary = FailedEvent.BASE64.equals(failed.payloadEncoding());
        List<IncomingEvent> events;
        try {
            events = !binary ? EventPayloads.parseJson(original)
                    : failed.context().containsKey("batch_index") ? List.of(EventPayloads.parseProtobufEvent(original))
                    : EventPayloads.parseProtobufBatch(original);
        } catch (MalformedPayloadException e) {
            return List.of(failedAgain(failed, List.of(new FailureError("$", e.getMessage())), null, original, binary));
        }
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>(events.size());
        for (IncomingEvent event : events) {
            List<FailureError> errors = validator.validate(event.json(), sources, now);
            if (errors.isEmpty()) {
                byte[] value = event.originalIsText() ? event.original().get() : Json.toBytes(event.json());
                out.add(resubmission(Topics.RAW, value, key, failed));
            } else {
                String eventId = event.json().path("event_id").isTextual() ? event.json().get("event_id").asText() : null;
                out.add(failedAgain(failed, errors, eventId, event.original().get(), !event.originalIsText()));
            }
        }
        return out;
    }

    private static ProducerRecord<String, byte[]> failedAgain(FailedEvent failed, List<FailureError> errors,
                                                              String eventId, byte[] payload, boolean binary) {
        Map<String, String> context = new LinkedHashMap<>(failed.context());
        context.put(REPLAYED_FROM_CONTEXT, failed.failureId());
        FailedEvent again = binary
                ? FailedEvent.ofBinary(FailureType.PAYLOAD_FORMAT, COLLECTOR, errors, eventId, payload,
                        Integer.MAX_VALUE, Instant.now(), context)
                : FailedEvent.ofBytes(FailureType.PAYLOAD_FORMAT, COLLECTOR, errors, eventId, payload,
                        Integer.MAX_VALUE, Instant.now(), context);
        return new ProducerRecord<>(Topics.RAW_DLQ, eventId != null ? eventId : again.failureId(), Json.toBytes(again));
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
