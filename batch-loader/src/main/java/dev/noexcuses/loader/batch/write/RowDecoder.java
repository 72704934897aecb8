package dev.noexcuses.loader.batch.write;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.privacy.Pseudonymiser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Types;

/**
 * Turns a Kafka record's JSON into a row of one of the two raw tables: an enriched
 * {@code EventEnvelope} into {@code raw.enriched_events}, a {@code FailedEvent} into
 * {@code raw.failed_events}. A record that cannot be read becomes a failed row of type
 * {@code loader_failure}: nothing is dropped. Failed rows hold their personal data pseudonymised,
 * as enriched events do (the dead-letter topics keep the original bytes).
 */
public final class RowDecoder {
    private static final ObjectMapper MAPPER = Json.mapper();
    private static final String COMPONENT = "batch-loader";
    private static final int MAX_PAYLOAD_BYTES = 1024 * 1024;

    private final Schema enrichedSchema;
    private final Schema failedSchema;
    private final GenericRecord enrichedTemplate;
    private final GenericRecord failedTemplate;
    private final GenericRecord uaTemplate;
    private final GenericRecord geoTemplate;
    private final GenericRecord scoreTemplate;
    private final GenericRecord errorTemplate;
    private final Pseudonymiser pseudonymiser;

    public RowDecoder(Schema enrichedSchema, Schema failedSchema, Pseudonymiser pseudonymiser) {
        this.pseudonymiser = java.util.Objects.requireNonNull(pseudonymiser, "pseudonymiser is null");
        this.enrichedSchema = enrichedSchema;
        this.failedSchema = failedSchema;
        this.enrichedTemplate = GenericRecord.create(enrichedSchema);
        this.failedTemplate = GenericRecord.create(failedSchema);
        this.uaTemplate = GenericRecord.create(struct(enrichedSchema, "ua"));
        this.geoTemplate = GenericRecord.create(struct(enrichedSchema, "geo"));
        this.scoreTemplate = GenericRecord.create(struct(enrichedSchema, "score"));
        this.errorTemplate = GenericRecord.create(
                failedSchema.findField("errors").type().asListType().elementType().asStructType());
    }

    private static Types.StructType struct(Schema schema, String name) {
        return schema.findField(name).type().asStructType();
    }

    /** Where the row comes from. */
    public record Origin(String topic, int partition, long offset, OffsetDateTime loadedAt) {}

    /** A decoded row: for the enriched table, or (when {@code failed}) for the failed table. */
    public record Row(boolean failed, Record record) {}

    /** An enriched event's row, or a loader_failure row when its JSON cannot be read as one. */
    public Row enriched(byte[] value, Origin origin) {
        if (value == null) {
            return loaderFailure(null, origin, "$", "empty record (null value) where an enriched event was expected");
        }
        try {
            Record row = enrichedRecord(value, origin);
            List<String> missing = new ArrayList<>();
            for (String field : List.of("event_id", "schema", "data")) {
                if (row.getField(field) == null) {
                    missing.add(field);
                }
            }
            if (!missing.isEmpty()) {
                return loaderFailure(value, origin, "$." + missing.get(0),
                        "enriched event without " + String.join(", ", missing));
            }
            return new Row(false, row);
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            return loaderFailure(value, origin, "$", "unreadable enriched event: " + e.getMessage());
        }
    }

    /** A failed event's row; a record that is not a FailedEvent is kept as a loader_failure row. */
    public Row failed(byte[] value, Origin origin) {
        if (value == null) {
            return loaderFailure(null, origin, "$", "empty record (null value) where a failed event was expected");
        }
        try {
            FailedEvent failure = MAPPER.readValue(value, FailedEvent.class);
            return new Row(true, failedRecord(failure, origin));
        } catch (IOException | RuntimeException e) {
            return loaderFailure(value, origin, "$", "unreadable failed event: " + e.getMessage());
        }
    }

    /**
     * One streaming pass over the event: scalar fields are read as they come, and {@code data} and
     * {@code enrichments} are kept as the exact JSON text they arrived as (sliced from the bytes, not
     * re-serialised); only the small collector and enrichment objects become trees.
     */
    private Record enrichedRecord(byte[] value, Origin origin) throws IOException {
        GenericRecord r = enrichedTemplate.copy();
        try (JsonParser p = MAPPER.getFactory().createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("expected a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken token = p.nextToken();
                switch (name) {
                    case "event_id" -> r.setField("event_id", scalar(p, token));
                    case "schema" -> {
                        String schema = scalar(p, token);
                        r.setField("schema", schema);
                        Optional<SchemaRef> ref = SchemaRef.parse(schema);
                        if (ref.isPresent()) {
                            r.setField("schema_vendor", ref.get().vendor());
                            r.setField("schema_name", ref.get().name());
                            r.setField("schema_version", ref.get().version());
                        }
                    }
                    case "event_time" -> r.setField("event_time", timestamp(scalar(p, token)));
                    case "source" -> r.setField("source", scalar(p, token));
                    case "user_id" -> r.setField("user_id", scalar(p, token));
                    case "anonymous_id" -> r.setField("anonymous_id", scalar(p, token));
                    case "data" -> r.setField("data", token == JsonToken.VALUE_NULL ? null : rawJson(p, token, value));
                    case "collector" -> collector(r, p.readValueAsTree());
                    case "enrichments" -> {
                        if (token == JsonToken.START_OBJECT) {
                            int start = (int) p.currentTokenLocation().getByteOffset();
                            JsonNode enrichments = p.readValueAsTree();
                            int end = (int) p.currentLocation().getByteOffset();
                            r.setField("enrichments", new String(value, start, end - start, StandardCharsets.UTF_8));
                            enrichments(r, enrichments);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        setOrigin(r, origin);
        return r;
    }

    private static String scalar(JsonParser p, JsonToken token) throws IOException {
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token.isStructStart()) {
            p.skipChildren();
            throw new IllegalArgumentException("expected a value at " + p.currentName() + ", found an object or array");
        }
        return p.getText();
    }

    /** The value's JSON text exactly as it is in {@code bytes}. */
    private static String rawJson(JsonParser p, JsonToken token, byte[] bytes) throws IOException {
        if (token.isStructStart()) {
            int start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            int end = (int) p.currentLocation().getByteOffset();
            return new String(bytes, start, end - start, StandardCharsets.UTF_8);
        }
        return MAPPER.writeValueAsString(p.readValueAsTree());
    }

    private static void collector(GenericRecord r, JsonNode collector) {
        if (collector == null || !collector.isObject()) {
            return;
        }
        r.setField("received_at", timestamp(collector.get("received_at")));
        r.setField("collector_host", text(collector.get("collector_host")));
        r.setField("request_id", text(collector.get("request_id")));
        r.setField("client_ip", text(collector.get("client_ip")));
        r.setField("user_agent", text(collector.get("user_agent")));
        r.setField("authenticated_source", text(collector.get("authenticated_source")));
        r.setField("transport", text(collector.get("transport")));
    }

    private void enrichments(GenericRecord r, JsonNode enrichments) {
        JsonNode ua = enrichments.get("user_agent");
        if (ua != null && ua.isObject()) {
            GenericRecord s = uaTemplate.copy();
            s.setField("browser", text(ua.get("browser")));
            s.setField("browser_version", text(ua.get("browser_version")));
            s.setField("os", text(ua.get("os")));
            s.setField("os_version", text(ua.get("os_version")));
            s.setField("device", text(ua.get("device")));
            r.setField("ua", s);
        }
        JsonNode geo = enrichments.get("geo");
        if (geo != null && geo.isObject()) {
            GenericRecord s = geoTemplate.copy();
            s.setField("country_code", text(geo.get("country_code")));
            s.setField("country", text(geo.get("country")));
            s.setField("city", text(geo.get("city")));
            s.setField("region", text(geo.get("region")));
            JsonNode location = geo.path("location");
            if (location.path("lat").isNumber() && location.path("lon").isNumber()) {
                s.setField("latitude", location.get("lat").doubleValue());
                s.setField("longitude", location.get("lon").doubleValue());
            }
            r.setField("geo", s);
        }
        JsonNode score = enrichments.get("score");
        if (score != null && score.isObject()) {
            GenericRecord s = scoreTemplate.copy();
            s.setField("model", text(score.get("model")));
            s.setField("version", text(score.get("version")));
            JsonNode v = score.get("value");
            s.setField("value", v != null && v.isNumber() ? v.doubleValue() : null);
            r.setField("score", s);
        }
    }

    private Record failedRecord(FailedEvent clear, Origin origin) {
        // The receive time is read from the original payload, before it is pseudonymised.
        Optional<OffsetDateTime> receivedAt = receivedAt(clear);
        FailedEvent f = pseudonymiser.forAnalysts(clear);
        GenericRecord r = failedTemplate.copy();
        r.setField("failure_id", f.failureId());
        r.setField("failure_type", f.failureType().wireName());
        r.setField("component", f.component());
        List<Record> errors = new ArrayList<>(f.errors().size());
        for (FailureError error : f.errors()) {
            GenericRecord er = errorTemplate.copy();
            er.setField("path", error.path());
            er.setField("message", error.message());
            errors.add(er);
        }
        r.setField("errors", errors);
        r.setField("event_id", f.eventId());
        r.setField("payload", f.payload());
        r.setField("payload_encoding", f.payloadEncoding());
        r.setField("payload_truncated", f.payloadTruncated());
        OffsetDateTime failedAt = f.failedAt().atOffset(ZoneOffset.UTC);
        r.setField("failed_at", failedAt);
        r.setField("received_at", receivedAt.orElse(failedAt));
        r.setField("context", new HashMap<>(f.context()));
        setOrigin(r, origin);
        return r;
    }

    /** The collector's receive time, when the original payload is an event that has passed the collector. */
    private static Optional<OffsetDateTime> receivedAt(FailedEvent f) {
        if (!FailedEvent.UTF8.equals(f.payloadEncoding()) || f.payload() == null || f.payloadTruncated()) {
            return Optional.empty();
        }
        try {
            JsonNode payload = MAPPER.readTree(f.payload());
            JsonNode received = payload == null ? null : payload.path("collector").get("received_at");
            return Optional.ofNullable(timestamp(received));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private Row loaderFailure(byte[] value, Origin origin, String path, String message) {
        FailedEvent f = FailedEvent.ofBytes(FailureType.LOADER_FAILURE, COMPONENT,
                List.of(new FailureError(path, message)), null, value == null ? new byte[0] : value,
                MAX_PAYLOAD_BYTES, origin.loadedAt().toInstant(),
                Map.of("topic", origin.topic(), "partition", String.valueOf(origin.partition()),
                        "offset", String.valueOf(origin.offset())));
        return new Row(true, failedRecord(f, origin));
    }

    private static void setOrigin(GenericRecord r, Origin origin) {
        r.setField("kafka_topic", origin.topic());
        r.setField("kafka_partition", origin.partition());
        r.setField("kafka_offset", origin.offset());
        r.setField("loaded_at", origin.loadedAt());
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }

    private static OffsetDateTime timestamp(String text) {
        return text == null ? null : Instant.parse(text).atOffset(ZoneOffset.UTC);
    }

    private static OffsetDateTime timestamp(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return Instant.parse(node.asText()).atOffset(ZoneOffset.UTC);
    }

    public Schema enrichedSchema() {
        return enrichedSchema;
    }

    public Schema failedSchema() {
        return failedSchema;
    }

}
