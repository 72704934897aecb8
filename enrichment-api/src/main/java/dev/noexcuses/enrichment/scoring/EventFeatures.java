package dev.noexcuses.enrichment.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The features the real-time model gets for one event, the same names for every event type, so one
 * model scores them all: when the event happened, whether its user is known, the event type (one
 * column each), and its amounts. A feature an event does not have is null: a missing value to XGBoost.
 */
public final class EventFeatures {
    /** The event types with a column each ({@code event_<type>}): the web shop's schemas. */
    static final List<String> EVENT_TYPES = List.of("page_view", "product_view", "search", "add_to_cart",
            "remove_from_cart", "checkout", "purchase", "login", "signup", "logout", "button_click", "form_submit");

    /** Every feature name, in a stable order. */
    public static final List<String> NAMES;

    static {
        List<String> names = new java.util.ArrayList<>(List.of("hour_of_day", "day_of_week", "identified", "price",
                "quantity", "value", "item_count"));
        EVENT_TYPES.forEach(t -> names.add("event_" + t));
        NAMES = List.copyOf(names);
    }

    private EventFeatures() {}

    public static Map<String, Double> of(JsonNode event) {
        Map<String, Double> f = new LinkedHashMap<>();
        Double hour = null;
        Double day = null;
        try {
            OffsetDateTime time = OffsetDateTime.parse(event.path("event_time").asText());
            hour = (double) time.getHour();
            day = (double) time.getDayOfWeek().getValue();
        } catch (DateTimeParseException e) {
            // No usable time: missing values.
        }
        f.put("hour_of_day", hour);
        f.put("day_of_week", day);
        f.put("identified", event.hasNonNull("user_id") && !event.path("user_id").asText().isBlank() ? 1.0 : 0.0);
        JsonNode data = event.path("data");
        f.put("price", number(data.path("price")));
        f.put("quantity", number(data.path("quantity")));
        f.put("value", number(data.path("value")));
        f.put("item_count", data.path("items").isArray() ? (double) data.path("items").size() : null);
        String schema = event.path("schema").asText();
        String[] parts = schema.split("/");
        String type = parts.length >= 2 ? parts[1] : "";
        EVENT_TYPES.forEach(t -> f.put("event_" + t, t.equals(type) ? 1.0 : 0.0));
        return f;
    }

    private static Double number(JsonNode node) {
        return node.isNumber() ? node.asDouble() : null;
    }
}
