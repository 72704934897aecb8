package dev.noexcuses.enricher.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The fields a schema marks as personal data with the {@code "pii": true} keyword, as
 * {@code data.<path>} names (dots for nested objects), found under {@code properties}. Read once
 * per compiled schema.
 */
public final class PersonalDataFields {
    private final Map<Schema, List<String>> bySchema = Collections.synchronizedMap(new WeakHashMap<>());

    public List<String> of(Schema schema) {
        return bySchema.computeIfAbsent(schema, s -> {
            List<String> fields = new ArrayList<>();
            collect(s.getSchemaNode(), "data", fields, 0);
            return List.copyOf(fields);
        });
    }

    private static void collect(JsonNode schema, String prefix, List<String> into, int depth) {
        if (schema == null || !schema.isObject() || depth > 16) {
            return;
        }
        JsonNode properties = schema.get("properties");
        if (properties == null || !properties.isObject()) {
            return;
        }
        properties.fields().forEachRemaining(p -> {
            String path = prefix + "." + p.getKey();
            if (p.getValue().path("pii").asBoolean(false)) {
                into.add(path);
            }
            collect(p.getValue(), path, into, depth + 1);
        });
    }
}
