package dev.noexcuses.producers.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 lines (quoted fields, doubled quotes) into event envelopes. */
final class Csv {
    private Csv() {}

    static List<String> parseLine(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        fields.add(field.toString());
        return fields;
    }

    static ObjectNode toEvent(List<String> header, List<String> fields) {
        if (fields.size() != header.size()) {
            throw new IllegalArgumentException("expected " + header.size() + " fields, found " + fields.size());
        }
        ObjectNode event = Json.mapper().createObjectNode();
        for (int i = 0; i < header.size(); i++) {
            String name = header.get(i).trim();
            String value = fields.get(i);
            if (value.isEmpty()) {
                continue;
            }
            if (name.equals("data")) {
                try {
                    JsonNode data = Json.mapper().readTree(value);
                    event.set("data", data);
                } catch (IOException e) {
                    throw new UncheckedIOException("column data is not JSON: " + e.getMessage(), e);
                }
            } else {
                event.put(name, value);
            }
        }
        return event;
    }
}
