package dev.noexcuses.common.proto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.Iterator;
import java.util.Map;

/**
 * Converts protobuf events to the JSON envelope and back, so both wire formats go through the
 * same checks. Empty proto3 strings mean "absent" and are left out of the JSON.
 */
public final class ProtoJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ProtoJson() {}

    public static ObjectNode toJson(Event event) {
        ObjectNode node = NODES.objectNode();
        putIfNotEmpty(node, "event_id", event.getEventId());
        putIfNotEmpty(node, "schema", event.getSchema());
        putIfNotEmpty(node, "event_time", event.getEventTime());
        putIfNotEmpty(node, "source", event.getSource());
        putIfNotEmpty(node, "user_id", event.getUserId());
        putIfNotEmpty(node, "anonymous_id", event.getAnonymousId());
        if (event.hasData()) {
            node.set("data", toJson(event.getData()));
        }
        return node;
    }

    public static ObjectNode toJson(Struct struct) {
        ObjectNode node = NODES.objectNode();
        for (Map.Entry<String, Value> e : struct.getFieldsMap().entrySet()) {
            node.set(e.getKey(), toJson(e.getValue()));
        }
        return node;
    }

    private static JsonNode toJson(Value value) {
        return switch (value.getKindCase()) {
            case NULL_VALUE, KIND_NOT_SET -> NODES.nullNode();
            case NUMBER_VALUE -> {
                double d = value.getNumberValue();
                // Whole numbers stay integers so "quantity": 2 does not become 2.0.
                yield d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15 ? NODES.numberNode((long) d)
                        : NODES.numberNode(d);
            }
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case STRUCT_VALUE -> toJson(value.getStructValue());
            case LIST_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getListValue().getValuesList().forEach(v -> array.add(toJson(v)));
                yield array;
            }
        };
    }

    /** The protobuf form of a JSON event; fields of the wrong JSON type are sent as their text. */
    public static Event fromJson(JsonNode event) {
        Event.Builder b = Event.newBuilder();
        b.setEventId(text(event, "event_id"));
        b.setSchema(text(event, "schema"));
        b.setEventTime(text(event, "event_time"));
        b.setSource(text(event, "source"));
        b.setUserId(text(event, "user_id"));
        b.setAnonymousId(text(event, "anonymous_id"));
        JsonNode data = event.get("data");
        if (data != null && data.isObject()) {
            b.setData(toStruct(data));
        }
        return b.build();
    }

    public static Struct toStruct(JsonNode object) {
        Struct.Builder s = Struct.newBuilder();
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            s.putFields(f.getKey(), toValue(f.getValue()));
        }
        return s.build();
    }

    private static Value toValue(JsonNode node) {
        if (node == null || node.isNull()) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (node.isNumber()) {
            return Value.newBuilder().setNumberValue(node.doubleValue()).build();
        }
        if (node.isBoolean()) {
            return Value.newBuilder().setBoolValue(node.booleanValue()).build();
        }
        if (node.isObject()) {
            return Value.newBuilder().setStructValue(toStruct(node)).build();
        }
        if (node.isArray()) {
            ListValue.Builder list = ListValue.newBuilder();
            node.forEach(v -> list.addValues(toValue(v)));
            return Value.newBuilder().setListValue(list).build();
        }
        return Value.newBuilder().setStringValue(node.asText()).build();
    }

    private static String text(JsonNode event, String field) {
        JsonNode v = event.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static void putIfNotEmpty(ObjectNode node, String field, String value) {
        if (value != null && !value.isEmpty()) {
            node.put(field, value);
        }
    }
}
