package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One event being enriched: the {@link EventEnvelope} JSON as a tree, plus the enrichments found so
 * far. The enricher works on the tree instead of binding it to the record, so fields it does not
 * touch (times, collector metadata, anything a newer client adds) pass through as they came, without
 * a parse and a re-format each. One stream thread owns an instance while it processes its record.
 */
public final class Event {
    private final ObjectNode envelope;
    private final ObjectNode enrichments;
    private List<String> personalFields = List.of();

    private Event(ObjectNode envelope) {
        this.envelope = envelope;
        JsonNode existing = envelope.get("enrichments");
        this.enrichments = existing != null && existing.isObject() ? (ObjectNode) existing
                : Json.mapper().createObjectNode();
    }

    /**
     * Parses a raw record's value.
     *
     * @throws IllegalArgumentException when it is not an event envelope with {@code event_id}, {@code schema} and {@code data}
     */
    public static Event parse(byte[] value) {
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("Not JSON: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("Not an event envelope: expected a JSON object");
        }
        requireText(tree, "event_id");
        requireText(tree, "schema");
        JsonNode data = tree.get("data");
        if (data == null || data.isNull()) {
            throw new IllegalArgumentException("Not an event envelope: 'data' is missing");
        }
        return new Event((ObjectNode) tree);
    }

    public static Event of(EventEnvelope envelope) {
        return parse(Json.toBytes(requireNonNull(envelope, "envelope is null")));
    }

    private static void requireText(JsonNode tree, String field) {
        JsonNode value = tree.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException("Not an event envelope: '" + field + "' is missing or not a string");
        }
    }

    public String eventId() {
        return envelope.get("event_id").asText();
    }

    public String schema() {
        return envelope.get("schema").asText();
    }

    public JsonNode data() {
        return envelope.get("data");
    }

    public Optional<String> userId() {
        return text(envelope, "user_id");
    }

    public Optional<String> anonymousId() {
        return text(envelope, "anonymous_id");
    }

    /** The record key: the user id, else the anonymous id. */
    public Optional<String> partitionKey() {
        return userId().or(this::anonymousId);
    }

    /** A field of the collector's metadata, e.g. {@code client_ip} or {@code user_agent}. */
    public Optional<String> collector(String field) {
        JsonNode collector = envelope.get("collector");
        return collector == null || !collector.isObject() ? Optional.empty() : text(collector, field);
    }

    /** The {@code data.<path>} fields this event's schema marks as personal data ({@code "pii": true}). */
    public List<String> personalFields() {
        return personalFields;
    }

    public void markPersonal(List<String> fields) {
        this.personalFields = List.copyOf(fields);
    }

    /** The enrichments found so far; enrichments add theirs here. */
    public ObjectNode enrichments() {
        return enrichments;
    }

    /**
     * The text value at {@code path} from the envelope root (e.g. {@code [user_id]},
     * {@code [collector, client_ip]}, {@code [data, email]}), when it is a scalar.
     */
    public Optional<String> textAt(List<String> path) {
        JsonNode current = envelope;
        for (String step : path) {
            if (current == null || !current.isObject()) {
                return Optional.empty();
            }
            current = current.get(step);
        }
        return current == null || current.isNull() || current.isContainerNode() ? Optional.empty()
                : Optional.of(current.asText());
    }

    /** Replaces the scalar at {@code path}, which {@link #textAt} found, with {@code value}. */
    public void replaceAt(List<String> path, String value) {
        ObjectNode parent = envelope;
        for (int i = 0; i < path.size() - 1; i++) {
            parent = (ObjectNode) parent.get(path.get(i));
        }
        parent.put(path.get(path.size() - 1), value);
    }

    /** The envelope as it stands, without the enrichments found so far (what the enrichment API is sent). */
    public ObjectNode envelope() {
        return envelope;
    }

    /** The enriched event's JSON: the envelope with its {@code enrichments}. */
    public byte[] toBytes() {
        envelope.set("enrichments", enrichments);
        return Json.toBytes(envelope);
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isEmpty() ? Optional.empty()
                : Optional.of(value.asText());
    }
}
