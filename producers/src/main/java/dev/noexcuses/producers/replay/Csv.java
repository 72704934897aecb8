package dev.noexcuses.producers.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** A CSV row (read by {@link dev.noexcuses.common.csv.CsvRows}) into an event envelope, by its header. */
final class Csv {
    private Csv() {}

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
