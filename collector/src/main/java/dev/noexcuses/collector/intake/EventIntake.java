package dev.noexcuses.collector.intake;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.collector.sink.EventSink;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.TopLevelValidator;
import dev.noexcuses.common.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The collector's core, the same for every transport: checks each event's top level, adds the
 * collector metadata, and writes valid events to {@code events.raw} and invalid ones to
 * {@code events.raw.dlq}. The result completes only once Kafka has acknowledged all of them; no
 * thread waits for that meanwhile.
 */
public final class EventIntake {
    public static final String COMPONENT = "collector";

    private final TopLevelValidator validator;
    private final EventSink sink;
    private final CollectorMetrics metrics;
    private final String collectorHost;
    private final int failedPayloadKeepBytes;

    public EventIntake(TopLevelValidator validator, EventSink sink, CollectorMetrics metrics, String collectorHost,
                       int failedPayloadKeepBytes) {
        this.validator = requireNonNull(validator, "validator is null");
        this.sink = requireNonNull(sink, "sink is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.collectorHost = requireNonNull(collectorHost, "collectorHost is null");
        this.failedPayloadKeepBytes = failedPayloadKeepBytes;
    }

    public CompletableFuture<IntakeResult> accept(List<IncomingEvent> events, RequestInfo request) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        List<IntakeResult.Rejection> rejections = new ArrayList<>();
        CollectorMetadata metadata = new CollectorMetadata(request.receivedAt(), collectorHost, request.requestId(),
                request.clientIp(), request.userAgent(), String.join(",", request.allowedSources()),
                request.transport());
        // Built once per request and shared by its events: the envelope is the client's event (as
        // parsed) with this metadata attached, written without another object mapping.
        ObjectNode metadataNode = metadataNode(metadata);
        for (int i = 0; i < events.size(); i++) {
            IncomingEvent incoming = events.get(i);
            JsonNode json = incoming.json();
            List<FailureError> errors = validator.validate(json, request.allowedSources(), request.receivedAt());
            if (errors.isEmpty()) {
                ObjectNode envelope = toEnvelope((ObjectNode) json, metadataNode);
                records.add(new ProducerRecord<>(Topics.RAW, partitionKey(envelope), Json.toBytes(envelope)));
            } else {
                String eventId = textOrNull(json, "event_id");
                FailedEvent failed = failedEvent(FailureType.PAYLOAD_FORMAT, errors, eventId, incoming, request, i);
                records.add(new ProducerRecord<>(Topics.RAW_DLQ, eventId != null ? eventId : failed.failureId(),
                        Json.toBytes(failed)));
                rejections.add(new IntakeResult.Rejection(i, eventId, errors.stream().map(FailureError::toString).toList()));
                errors.forEach(e -> metrics.rejected(reasonOf(e)));
            }
        }
        int accepted = events.size() - rejections.size();
        return sink.writeAll(records).thenApply(written -> {
            metrics.accepted(request.transport(), accepted);
            return new IntakeResult(request.requestId(), accepted, rejections);
        });
    }

    /**
     * Records a whole request that could not be read (malformed body, too large, wrong content
     * type, bad credentials) in {@code events.raw.dlq}; {@code binary} bodies are kept in base64.
     */
    public CompletableFuture<FailedEvent> rejectRequest(FailureType type, String message, byte[] body,
                                                        boolean binary, RequestInfo request,
                                                        Map<String, String> extraContext) {
        Map<String, String> context = new java.util.LinkedHashMap<>(request.failureContext());
        context.putAll(extraContext);
        int keep = type == FailureType.PAYLOAD_FORMAT ? Integer.MAX_VALUE : failedPayloadKeepBytes;
        List<FailureError> errors = List.of(new FailureError("$", message));
        FailedEvent failed = binary
                ? FailedEvent.ofBinary(type, COMPONENT, errors, null, body, keep, Instant.now(), context)
                : FailedEvent.ofBytes(type, COMPONENT, errors, null, body, keep, Instant.now(), context);
        metrics.rejected(type.wireName());
        return sink.writeAll(List.of(new ProducerRecord<>(Topics.RAW_DLQ, failed.failureId(), Json.toBytes(failed))))
                .thenApply(written -> failed);
    }

    private FailedEvent failedEvent(FailureType type, List<FailureError> errors, String eventId,
                                    IncomingEvent incoming, RequestInfo request, int index) {
        Map<String, String> context = new java.util.LinkedHashMap<>(request.failureContext());
        context.put("batch_index", String.valueOf(index));
        context.put("payload_format", incoming.originalIsText() ? "json" : "protobuf");
        return incoming.originalIsText()
                ? FailedEvent.ofBytes(type, COMPONENT, errors, eventId, incoming.original().get(), Integer.MAX_VALUE,
                        Instant.now(), context)
                : FailedEvent.ofBinary(type, COMPONENT, errors, eventId, incoming.original().get(), Integer.MAX_VALUE,
                        Instant.now(), context);
    }

    /**
     * The raw record: the event's top-level fields as the client sent them (the enricher reads it as
     * an {@link dev.noexcuses.common.event.EventEnvelope}), {@code event_time} normalised to UTC,
     * the collector's metadata, and no {@code enrichments} a client might have tried to set.
     */
    private static ObjectNode toEnvelope(ObjectNode event, ObjectNode metadata) {
        String eventTime = event.get("event_time").asText();
        if (!eventTime.endsWith("Z")) {
            event.put("event_time", TopLevelValidator.parseInstant(eventTime).toString());
        }
        event.remove("enrichments");
        event.set("collector", metadata);
        return event;
    }

    /**
     * The metadata as the envelope's {@code collector} object: what {@code valueToTree} makes of the
     * record (snake_case names, ISO-8601 instant, nulls kept), built directly because the reflective
     * mapping cost more than the rest of a single-event request's metadata work.
     */
    static ObjectNode metadataNode(CollectorMetadata metadata) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("received_at", metadata.receivedAt() == null ? null : metadata.receivedAt().toString());
        node.put("collector_host", metadata.collectorHost());
        node.put("request_id", metadata.requestId());
        node.put("client_ip", metadata.clientIp());
        node.put("user_agent", metadata.userAgent());
        node.put("authenticated_source", metadata.authenticatedSource());
        node.put("transport", metadata.transport());
        return node;
    }

    /** Per-user order: keyed by the user, or the anonymous id. */
    private static String partitionKey(ObjectNode envelope) {
        String userId = textOrNull(envelope, "user_id");
        return userId != null ? userId : textOrNull(envelope, "anonymous_id");
    }

    private static String textOrNull(JsonNode json, String field) {
        if (json == null || !json.isObject()) {
            return null;
        }
        JsonNode v = json.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static String reasonOf(FailureError error) {
        String path = error.path();
        return path.startsWith("$.") ? path.substring(2) : "event";
    }
}
