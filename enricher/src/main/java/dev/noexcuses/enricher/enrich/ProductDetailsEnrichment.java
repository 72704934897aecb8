package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.api.ApiCallException;
import dev.noexcuses.enricher.api.ApiSettings;
import dev.noexcuses.enricher.api.EnrichmentApiClient;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Product details (name, category, price, currency) for product events, from the enrichment API's
 * {@code POST /v1/enrich}: {@code enrichments.products = [{product_id, name, category, price, currency}]},
 * and {@code enrichments.unknown_products} for ids the catalogue does not have. Details are cached
 * per product id, so the API is called only for products not seen within the cache's TTL.
 */
public final class ProductDetailsEnrichment implements Enrichment {
    private final EnrichmentApiClient api;
    /** Product id to its details, or NullNode for an id the catalogue does not know. */
    private final Optional<Cache<String, JsonNode>> cache;

    public ProductDetailsEnrichment(EnrichmentApiClient api, ApiSettings settings) {
        this.api = requireNonNull(api, "api is null");
        this.cache = settings.cacheEnabled()
                ? Optional.of(Caffeine.newBuilder().maximumSize(settings.cacheMaxSize())
                        .expireAfterWrite(settings.cacheTtl()).build())
                : Optional.empty();
    }

    @Override
    public String name() {
        return "product-details";
    }

    @Override
    public void apply(Event event) {
        Set<String> ids = productIds(event.data());
        if (ids.isEmpty()) {
            return;
        }
        ObjectNode known = Json.mapper().createObjectNode();
        boolean missing = false;
        for (String id : ids) {
            JsonNode cached = cache.map(c -> c.getIfPresent(id)).orElse(null);
            if (cached == null) {
                missing = true;
            } else {
                known.set(id, cached);
            }
        }
        if (missing) {
            fetch(event, ids, known);
        }
        ArrayNode products = event.enrichments().putArray("products");
        ArrayNode unknown = Json.mapper().createArrayNode();
        for (String id : ids) {
            JsonNode details = known.get(id);
            if (details == null || details.isNull()) {
                unknown.add(id);
            } else {
                products.add(details);
            }
        }
        if (!unknown.isEmpty()) {
            event.enrichments().set("unknown_products", unknown);
        }
    }

    private void fetch(Event event, Set<String> ids, ObjectNode known) {
        JsonNode answer;
        try {
            answer = api.post("/v1/enrich", Json.toBytes(event.envelope()));
        } catch (ApiCallException e) {
            throw new EnrichmentException(name(), e.getMessage(), e);
        }
        JsonNode products = answer.get("products");
        if (products == null || !products.isArray()) {
            throw new EnrichmentException(name(), "Enrichment API answer has no 'products' array: " + answer, null);
        }
        for (JsonNode product : products) {
            String id = product.path("product_id").asText();
            known.set(id, product);
            cache.ifPresent(c -> c.put(id, product));
        }
        for (String id : ids) {
            if (!known.has(id)) {
                known.set(id, NullNode.getInstance());
                cache.ifPresent(c -> c.put(id, NullNode.getInstance()));
            }
        }
    }

    /** {@code data.product_id} and {@code data.items[].product_id}, in order: the enrichment API's rule. */
    static Set<String> productIds(JsonNode data) {
        Set<String> ids = new LinkedHashSet<>();
        if (data == null || !data.isObject()) {
            return ids;
        }
        addText(ids, data.get("product_id"));
        JsonNode items = data.get("items");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                addText(ids, item.get("product_id"));
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
