package dev.noexcuses.common.intake;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/**
 * One event of a request, as parsed, with a way to get its original bytes untouched for a
 * failed-event record. The bytes are only materialised for events that fail, so valid events
 * (nearly all of them) cost no copy.
 *
 * @param originalIsText whether the original is text (JSON) or binary (protobuf)
 */
public record IncomingEvent(JsonNode json, Supplier<byte[]> original, boolean originalIsText) {}
