package dev.noexcuses.loader.realtime.document;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One document to index, with where it came from: its Kafka record (kept to turn a rejected document
 * into a {@code loader_failure} record) and, for events, the collector's receive time.
 *
 * @param receivedAt when the collector received the event, or null (failed records, unknown)
 */
public record IndexDocument(
        Kind kind,
        String index,
        String id,
        JsonNode source,
        SourceRecord origin,
        Instant receivedAt) {

    public enum Kind {
        ENRICHED,
        FAILED,
        /** A record the loader itself could not index as it was. */
        LOADER_FAILURE
    }

    public IndexDocument {
        requireNonNull(kind, "kind is null");
        requireNonNull(index, "index is null");
        requireNonNull(id, "id is null");
        requireNonNull(source, "source is null");
        requireNonNull(origin, "origin is null");
    }

    /** About the size of the document in a bulk request. */
    public int sizeBytes() {
        return origin.value().length + 128;
    }
}
