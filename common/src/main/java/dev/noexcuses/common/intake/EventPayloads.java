package dev.noexcuses.common.intake;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.Event;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a body of events into {@link IncomingEvent}s, each with its original bytes exactly as
 * received: one JSON event or a JSON array of them, or a protobuf {@code EventBatch} (or one
 * {@code Event}). The collector reads request bodies with it and {@code replay-dlq} the payloads of
 * failed-event records, so both see the same events.
 */
public final class EventPayloads {
    private static final int EVENTS_FIELD = EventBatch.EVENTS_FIELD_NUMBER;

    private EventPayloads() {}

    /** One event (an object) or an array of them; each keeps its original bytes. */
    public static List<IncomingEvent> parseJson(byte[] body) throws MalformedPayloadException {
        try (JsonParser parser = Json.mapper().getFactory().createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new MalformedPayloadException("empty body: send a JSON event or an array of events");
            }
            List<IncomingEvent> events = new ArrayList<>();
            if (first == JsonToken.START_ARRAY) {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    int from = (int) parser.currentTokenLocation().getByteOffset();
                    JsonNode node = Json.mapper().readTree(parser);
                    int to = (int) parser.currentLocation().getByteOffset();
                    events.add(new IncomingEvent(node, () -> Arrays.copyOfRange(body, from, to), true));
                }
                if (events.isEmpty()) {
                    throw new MalformedPayloadException("empty array: send at least one event");
                }
            } else {
                JsonNode node = Json.mapper().readTree(parser);
                events.add(new IncomingEvent(node, () -> body, true));
            }
            if (parser.nextToken() != null) {
                throw new MalformedPayloadException("malformed JSON: unexpected content after the "
                        + (first == JsonToken.START_ARRAY ? "array" : "event") + " at byte "
                        + parser.currentTokenLocation().getByteOffset());
            }
            return events;
        } catch (IOException e) {
            if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
                throw new MalformedPayloadException("malformed JSON: " + jpe.getOriginalMessage() + " at byte "
                        + jpe.getLocation().getByteOffset());
            }
            throw new MalformedPayloadException("malformed JSON: " + e.getMessage());
        }
    }

    /**
     * The events of a protobuf {@code EventBatch}. Each event's original is the bytes of its
     * sub-message as they arrived, not a re-encoding: a failed-event record shows what was sent.
     */
    public static List<IncomingEvent> parseProtobufBatch(byte[] body) throws MalformedPayloadException {
        List<IncomingEvent> events = new ArrayList<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(body);
            int tag;
            while ((tag = in.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(tag) == EVENTS_FIELD
                        && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    ByteString original = in.readBytes();
                    Event event = Event.parseFrom(original);
                    events.add(new IncomingEvent(ProtoJson.toJson(event), original::toByteArray, false));
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedPayloadException("malformed protobuf EventBatch: " + e.getMessage());
        } catch (IOException e) {
            throw new MalformedPayloadException("malformed protobuf EventBatch: " + e.getMessage());
        }
        if (events.isEmpty()) {
            throw new MalformedPayloadException("empty EventBatch: send at least one event");
        }
        return events;
    }

    /** One protobuf {@code Event}, as kept in the failed-event record of one event of a batch. */
    public static IncomingEvent parseProtobufEvent(byte[] body) throws MalformedPayloadException {
        try {
            return new IncomingEvent(ProtoJson.toJson(Event.parseFrom(body)), () -> body, false);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedPayloadException("malformed protobuf Event: " + e.getMessage());
        }
    }
}
