package dev.noexcuses.common.event;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * An event as it travels through the topics: the client's top-level fields, the collector's
 * metadata and, after the enricher, its enrichments. Serialised as snake_case JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventEnvelope(
        String eventId,
        String schema,
        Instant eventTime,
        String source,
        String userId,
        String anonymousId,
        JsonNode data,
        CollectorMetadata collector,
        ObjectNode enrichments) {

    public EventEnvelope {
        requireNonNull(eventId, "eventId is null");
        requireNonNull(schema, "schema is null");
        requireNonNull(data, "data is null");
    }

    /** The record key: per-user order is kept by keying on the user, or the anonymous id. */
    public String partitionKey() {
        return userId != null && !userId.isEmpty() ? userId : anonymousId;
    }

    public EventEnvelope withEnrichments(ObjectNode newEnrichments) {
        return new EventEnvelope(eventId, schema, eventTime, source, userId, anonymousId, data, collector,
                newEnrichments);
    }

    public EventEnvelope withData(JsonNode newData) {
        return new EventEnvelope(eventId, schema, eventTime, source, userId, anonymousId, newData, collector,
                enrichments);
    }

    public Instant receivedAt() {
        return collector == null ? null : collector.receivedAt();
    }
}
