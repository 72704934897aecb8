package dev.noexcuses.loader.realtime.document;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.privacy.Pseudonymiser;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Kafka records into index documents: enriched events by {@code event_id}, failed-event records by
 * their {@code failure_id}, each in its daily index. A record that cannot be indexed as it is becomes a
 * {@code loader_failure} record whose id comes from the record's topic, partition and offset, so that
 * reading the record again never makes a second one. Failed-event records are indexed with their
 * personal data pseudonymised, as enriched events are.
 */
public final class DocumentMapper {
    public static final String COMPONENT = "realtime-loader";
    /** OpenSearch and Elasticsearch refuse longer document ids. */
    private static final int MAX_ID_BYTES = 512;
    private static final Pattern FIELD_IN_REASON = Pattern.compile("field \\[([^\\]]+)\\]");

    /** Where documents go. */
    public record Options(String enrichedTopic, String enrichedPrefix, String failedPrefix, DayFrom dayFrom) {
        public Options {
            requireNonNull(enrichedTopic, "enrichedTopic is null");
            requireNonNull(enrichedPrefix, "enrichedPrefix is null");
            requireNonNull(failedPrefix, "failedPrefix is null");
            requireNonNull(dayFrom, "dayFrom is null");
        }
    }

    private final Options options;
    private final Pseudonymiser pseudonymiser;
    private final Clock clock;

    public DocumentMapper(Options options, Pseudonymiser pseudonymiser, Clock clock) {
        this.options = requireNonNull(options, "options is null");
        this.pseudonymiser = requireNonNull(pseudonymiser, "pseudonymiser is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public IndexDocument map(SourceRecord record) {
        JsonNode json;
        try {
            json = Json.mapper().readTree(record.value());
        } catch (Exception e) {
            return loaderFailure(record, null, List.of(new FailureError("$", "Not a JSON document: " + e.getMessage())));
        }
        if (json == null || !json.isObject()) {
            return loaderFailure(record, null, List.of(new FailureError("$", "Expected a JSON object")));
        }
        return record.topic().equals(options.enrichedTopic()) ? enriched(record, json) : failed(record, json);
    }

    private IndexDocument enriched(SourceRecord record, JsonNode event) {
        Optional<String> eventId = text(event, "event_id");
        Optional<String> problem = idProblem(eventId, "event_id");
        if (problem.isPresent()) {
            return loaderFailure(record, eventId.orElse(null), List.of(new FailureError("$.event_id", problem.get())));
        }
        Optional<Instant> receivedAt = instant(event.path("collector").path("received_at"));
        Optional<Instant> eventTime = instant(event.path("event_time"));
        Instant day = (options.dayFrom() == DayFrom.RECEIVED_AT ? receivedAt.or(() -> eventTime)
                : eventTime.or(() -> receivedAt)).orElse(Instant.ofEpochMilli(record.timestampMs()));
        return new IndexDocument(IndexDocument.Kind.ENRICHED, DailyIndex.name(options.enrichedPrefix(), day),
                eventId.get(), event, record, receivedAt.orElse(null));
    }

    private IndexDocument failed(SourceRecord record, JsonNode failure) {
        Optional<String> failureId = text(failure, "failure_id");
        Optional<String> problem = idProblem(failureId, "failure_id");
        if (problem.isPresent()) {
            return loaderFailure(record, text(failure, "event_id").orElse(null),
                    List.of(new FailureError("$.failure_id", problem.get())));
        }
        Instant day = instant(failure.path("failed_at")).orElse(Instant.ofEpochMilli(record.timestampMs()));
        return new IndexDocument(IndexDocument.Kind.FAILED, DailyIndex.name(options.failedPrefix(), day),
                failureId.get(), pseudonymiser.failedRecordForAnalysts(failure), record, null);
    }

    /**
     * The {@code loader_failure} record of a document the cluster refused, with the cluster's reason
     * (and the field it names, as a JSON path).
     */
    public IndexDocument rejected(IndexDocument document, String reason) {
        Matcher field = FIELD_IN_REASON.matcher(reason);
        String path = field.find() ? "$." + field.group(1) : "$";
        String eventId = document.kind() == IndexDocument.Kind.ENRICHED ? document.id()
                : text(document.source(), "event_id").orElse(null);
        return loaderFailure(document.origin(), eventId,
                List.of(new FailureError(path, "Rejected by the search cluster: " + reason)));
    }

    private IndexDocument loaderFailure(SourceRecord record, String eventId, List<FailureError> errors) {
        String text = utf8(record.value());
        Map<String, String> context = new LinkedHashMap<>();
        context.put("topic", record.topic());
        context.put("partition", Integer.toString(record.partition()));
        context.put("offset", Long.toString(record.offset()));
        FailedEvent failure = new FailedEvent(failureId(record), FailureType.LOADER_FAILURE, COMPONENT, errors, eventId,
                text != null ? text : Base64.getEncoder().encodeToString(record.value()),
                text != null ? FailedEvent.UTF8 : FailedEvent.BASE64, false, clock.instant(), context);
        // The record's own time picks the day, so a record read again lands on the same document.
        String index = DailyIndex.name(options.failedPrefix(), Instant.ofEpochMilli(record.timestampMs()));
        return new IndexDocument(IndexDocument.Kind.LOADER_FAILURE, index, failure.failureId(),
                pseudonymiser.failedRecordForAnalysts(Json.mapper().valueToTree(failure)), record, null);
    }

    static String failureId(SourceRecord record) {
        String key = COMPONENT + "/" + record.topic() + "/" + record.partition() + "/" + record.offset();
        return UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static Optional<String> idProblem(Optional<String> id, String field) {
        if (id.isEmpty() || id.get().isBlank()) {
            return Optional.of("Missing " + field + ": the document id");
        }
        if (id.get().getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
            return Optional.of(field + " is longer than " + MAX_ID_BYTES + " bytes, the longest document id");
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static Optional<Instant> instant(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
