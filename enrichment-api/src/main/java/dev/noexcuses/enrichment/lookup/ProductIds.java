package dev.noexcuses.enrichment.lookup;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/** The products an event is about: {@code data.product_id} and {@code data.items[].product_id}, in order. */
final class ProductIds {
    private ProductIds() {}

    static Set<String> of(JsonNode data) {
        Set<String> ids = new LinkedHashSet<>();
        if (data == null || !data.isObject()) {
            return ids;
        }
        addText(ids, data.get("product_id"));
        JsonNode items = data.get("items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                if (item.isObject()) {
                    addText(ids, item.get("product_id"));
                }
            }
        }
        return ids;
    }

    private static void addText(Set<String> ids, JsonNode value) {
        if (value != null && value.isTextual() && !value.asText().isEmpty()) {
            ids.add(value.asText());
        }
    }
}
