package dev.noexcuses.console.live;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.search.SearchClient;
import dev.noexcuses.console.web.JsonResponses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Live analytics from OpenSearch's enriched-event indices: events per minute by type, top pages,
 * products and searches, the funnel and countries of the last hour, and the latest events.
 */
public final class LiveApi {
    /** The purchase funnel, step by step: the event type each step is counted on. */
    static final List<String> FUNNEL = List.of("page_view", "product_view", "add_to_cart", "checkout", "purchase");
    /**
     * Page URLs and search terms live in the free-form {@code data}, which is not aggregatable
     * (flat_object); they are counted from the latest events of the window, at most this many.
     */
    static final int SAMPLE = 5000;

    private final Optional<SearchClient> search;
    private final String enrichedIndices;

    public LiveApi(Optional<SearchClient> search, String enrichedIndices) {
        this.search = requireNonNull(search, "search is null");
        this.enrichedIndices = requireNonNull(enrichedIndices, "enrichedIndices is null");
    }

    @Get("/api/live/summary")
    @Blocking
    public HttpResponse summary(@Param("minutes") @Default("60") int minutes) {
        if (search.isEmpty()) {
            return unavailable();
        }
        int window = Math.max(5, Math.min(minutes, 24 * 60));
        SearchClient client = search.get();
        String since = "now-" + window + "m";
        ObjectNode funnelAggs = Json.mapper().createObjectNode();
        for (String step : FUNNEL) {
            // A user is their user_id when known, else their anonymous_id (no scripts: not every cluster has them).
            funnelAggs.set(step, json("""
                    {"filter": {"prefix": {"schema": "com.webshop/%s/"}},
                     "aggs": {"known": {"cardinality": {"field": "user_id"}},
                              "anonymous": {"filter": {"bool": {"must_not": {"exists": {"field": "user_id"}}}},
                                "aggs": {"ids": {"cardinality": {"field": "anonymous_id"}}}}}}""".formatted(step)));
        }
        ObjectNode query = (ObjectNode) json("""
                {"size": 0, "track_total_hits": true,
                 "query": {"range": {"collector.received_at": {"gte": "%s"}}},
                 "aggs": {
                   "per_minute": {"date_histogram": {"field": "collector.received_at", "fixed_interval": "1m",
                       "min_doc_count": 0, "extended_bounds": {"min": "%s", "max": "now"}},
                     "aggs": {"type": {"terms": {"field": "schema", "size": 30}}}},
                   "products": {"terms": {"field": "enrichments.products.product_id", "size": 10},
                     "aggs": {"name": {"terms": {"field": "enrichments.products.name.keyword", "size": 1}},
                              "category": {"terms": {"field": "enrichments.products.category", "size": 1}}}},
                   "countries": {"terms": {"field": "enrichments.geo.country_code", "size": 50, "missing": "??"},
                     "aggs": {"name": {"terms": {"field": "enrichments.geo.country", "size": 1}}}}
                 }}""".formatted(since, since));
        funnelAggs.fields().forEachRemaining(step -> ((ObjectNode) query.get("aggs")).set("funnel_" + step.getKey(),
                step.getValue()));
        JsonNode result = client.search(enrichedIndices, query);
        JsonNode aggs = result.path("aggregations");

        ObjectNode out = JsonResponses.object().put("available", true).put("minutes", window)
                .put("total", result.path("hits").path("total").path("value").asLong());
        ArrayNode minutesOut = out.putArray("per_minute");
        for (JsonNode bucket : aggs.path("per_minute").path("buckets")) {
            ObjectNode m = minutesOut.addObject().put("at", bucket.path("key_as_string").asText());
            ObjectNode types = m.putObject("types");
            for (JsonNode t : bucket.path("type").path("buckets")) {
                types.put(eventType(t.path("key").asText()), types.path(eventType(t.path("key").asText())).asLong()
                        + t.path("doc_count").asLong());
            }
        }
        ArrayNode products = out.putArray("top_products");
        for (JsonNode b : aggs.path("products").path("buckets")) {
            products.addObject().put("product_id", b.path("key").asText())
                    .put("name", firstKey(b.path("name")))
                    .put("category", firstKey(b.path("category")))
                    .put("events", b.path("doc_count").asLong());
        }
        ArrayNode countries = out.putArray("countries");
        for (JsonNode b : aggs.path("countries").path("buckets")) {
            countries.addObject().put("code", b.path("key").asText()).put("name", firstKey(b.path("name")))
                    .put("events", b.path("doc_count").asLong());
        }
        ArrayNode funnel = out.putArray("funnel");
        for (String step : FUNNEL) {
            funnel.addObject().put("step", step)
                    .put("users", aggs.path("funnel_" + step).path("known").path("value").asLong()
                            + aggs.path("funnel_" + step).path("anonymous").path("ids").path("value").asLong())
                    .put("events", aggs.path("funnel_" + step).path("doc_count").asLong());
        }
        out.set("top_pages", topValues(client, since, "page_view", "url"));
        out.set("top_searches", topValues(client, since, "search", "query"));
        out.put("sample_limit", SAMPLE);
        return JsonResponses.ok(out);
    }

    /** The most frequent values of {@code data.<field>} among the latest events of one type. */
    private ArrayNode topValues(SearchClient client, String since, String type, String field) {
        JsonNode result = client.search(enrichedIndices, json("""
                {"size": %d, "_source": ["data.%s"],
                 "sort": [{"collector.received_at": "desc"}],
                 "query": {"bool": {"filter": [
                   {"range": {"collector.received_at": {"gte": "%s"}}},
                   {"prefix": {"schema": "com.webshop/%s/"}}]}}}""".formatted(SAMPLE, field, since, type)));
        Map<String, Long> counts = new LinkedHashMap<>();
        for (JsonNode hit : result.path("hits").path("hits")) {
            JsonNode value = hit.path("_source").path("data").path(field);
            if (value.isTextual() && !value.asText().isBlank()) {
                counts.merge(value.asText(), 1L, Long::sum);
            }
        }
        ArrayNode out = Json.mapper().createArrayNode();
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(10)
                .forEach(e -> out.addObject().put("value", e.getKey()).put("events", e.getValue()));
        return out;
    }

    @Get("/api/live/events")
    @Blocking
    public HttpResponse events(@Param("type") @Default("") String type, @Param("country") @Default("") String country,
                               @Param("user") @Default("") String user, @Param("size") @Default("50") int size) {
        if (search.isEmpty()) {
            return unavailable();
        }
        ArrayNode filters = Json.mapper().createArrayNode();
        if (!type.isBlank()) {
            filters.addObject().putObject("prefix").put("schema", "com.webshop/" + type.trim() + "/");
        }
        if (!country.isBlank()) {
            filters.addObject().putObject("term").put("enrichments.geo.country_code", country.trim().toUpperCase());
        }
        if (!user.isBlank()) {
            ArrayNode either = filters.addObject().putObject("bool").put("minimum_should_match", 1).putArray("should");
            either.addObject().putObject("term").put("user_id", user.trim());
            either.addObject().putObject("term").put("anonymous_id", user.trim());
        }
        ObjectNode query = (ObjectNode) json("""
                {"size": %d, "sort": [{"collector.received_at": "desc"}],
                 "_source": ["event_id", "schema", "event_time", "collector.received_at", "user_id", "anonymous_id",
                             "enrichments.geo.country_code", "enrichments.user_agent.device", "data"]}"""
                .formatted(Math.max(1, Math.min(size, 200))));
        query.putObject("query").putObject("bool").set("filter", filters);
        JsonNode result = search.get().search(enrichedIndices, query);
        ArrayNode events = JsonResponses.object().arrayNode();
        for (JsonNode hit : result.path("hits").path("hits")) {
            JsonNode s = hit.path("_source");
            ObjectNode e = events.addObject();
            e.put("event_id", s.path("event_id").asText());
            e.put("type", eventType(s.path("schema").asText()));
            e.put("schema", s.path("schema").asText());
            e.put("received_at", s.path("collector").path("received_at").asText());
            e.put("user", s.path("user_id").asText(s.path("anonymous_id").asText("")));
            e.put("country", s.path("enrichments").path("geo").path("country_code").asText(""));
            e.put("device", s.path("enrichments").path("user_agent").path("device").asText(""));
            e.set("data", s.path("data"));
        }
        ObjectNode out = JsonResponses.object().put("available", true);
        out.set("events", events);
        return JsonResponses.ok(out);
    }

    /** {@code com.webshop/page_view/1-0-0} is a {@code page_view}. */
    static String eventType(String schema) {
        String[] parts = schema.split("/");
        return parts.length >= 2 ? parts[parts.length - 2] : schema;
    }

    private static String firstKey(JsonNode termsAgg) {
        JsonNode buckets = termsAgg.path("buckets");
        return buckets.isEmpty() ? "" : buckets.get(0).path("key").asText();
    }

    private static HttpResponse unavailable() {
        return JsonResponses.ok(JsonResponses.object().put("available", false)
                .put("message", "No search cluster configured: set opensearch.url (./platform up sets the embedded one)"));
    }

    static JsonNode json(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
