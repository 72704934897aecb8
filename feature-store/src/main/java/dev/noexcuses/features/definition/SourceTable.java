package dev.noexcuses.features.definition;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A curated table features are computed from, with its columns and their SQL types: definitions are checked
 * against it when they are built, and the Spark tests check it against the real table.
 *
 * @param dayColumn the UTC day a row belongs to (the table's partition)
 */
public record SourceTable(String name, String dayColumn, Map<String, String> columns) {
    /** {@code curated.sessions}, one row per session (see docs/lakehouse.md). */
    public static final SourceTable SESSIONS = new SourceTable("curated.sessions", "event_date", columns(
            "session_id", "STRING", "user_key", "STRING", "anonymous_id", "STRING", "event_date", "DATE",
            "session_start", "TIMESTAMP", "session_end", "TIMESTAMP", "duration_seconds", "BIGINT", "events", "BIGINT",
            "page_views", "BIGINT", "landing_page", "STRING", "device", "STRING", "country_code", "STRING",
            "converted", "BOOLEAN", "orders", "BIGINT", "revenue", "DOUBLE"));

    /** {@code curated.events}, one row per distinct event; the columns features use. */
    public static final SourceTable EVENTS = new SourceTable("curated.events", "event_date", columns(
            "event_id", "STRING", "event_type", "STRING", "event_time", "TIMESTAMP", "event_date", "DATE",
            "user_id", "STRING", "anonymous_id", "STRING", "user_key", "STRING", "session_id", "STRING",
            "page_type", "STRING", "product_id", "STRING", "product_category", "STRING", "price", "DOUBLE",
            "quantity", "INT", "search_query", "STRING", "search_results", "INT", "order_id", "STRING",
            "order_value", "DOUBLE", "items_count", "INT", "device", "STRING", "country_code", "STRING"));

    public static final List<SourceTable> CURATED = List.of(SESSIONS, EVENTS);

    public SourceTable {
        requireNonNull(name, "name is null");
        requireNonNull(dayColumn, "dayColumn is null");
        columns = Map.copyOf(columns);
        if (!columns.containsKey(dayColumn)) {
            throw new IllegalArgumentException("Invalid source " + name + ": no day column " + dayColumn);
        }
    }

    public static Optional<SourceTable> curated(String name) {
        return CURATED.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<String> type(String column) {
        return Optional.ofNullable(columns.get(column));
    }

    private static Map<String, String> columns(String... nameThenType) {
        Map<String, String> columns = new LinkedHashMap<>();
        for (int i = 0; i < nameThenType.length; i += 2) {
            columns.put(nameThenType[i], nameThenType[i + 1]);
        }
        return columns;
    }
}
