package dev.noexcuses.collector.intake;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of a request, as parsed, with its original bytes kept untouched for a failed-event
 * record.
 *
 * @param originalIsText whether {@code original} is text (JSON) or binary (protobuf)
 */
public record IncomingEvent(JsonNode json, byte[] original, boolean originalIsText) {}
