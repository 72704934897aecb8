package dev.noexcuses.enrichment.lookup;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enrichment.catalogue.Product;
import dev.noexcuses.enrichment.catalogue.ProductCatalogue;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code POST /v1/enrich}: lookups for one event. The body is the event (at least its {@code data});
 * the answer names the details of every product the event is about, and the ids not in the catalogue:
 * <pre>{"products": [{"product_id": "P0001", "name": ..., "category": ..., "price": 98.86, "currency": "EUR"}],
 *  "unknown_products": ["P9999"]}</pre>
 */
public final class EnrichService implements HttpService {
    private final ProductCatalogue catalogue;

    public EnrichService(ProductCatalogue catalogue) {
        this.catalogue = requireNonNull(catalogue, "catalogue is null");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate().thenApply(request -> {
            JsonNode event;
            try {
                event = Json.mapper().readTree(request.content().array());
            } catch (IOException e) {
                return error(HttpStatus.BAD_REQUEST, "Invalid JSON body: " + e.getMessage());
            }
            if (event == null || !event.isObject()) {
                return error(HttpStatus.BAD_REQUEST, "Invalid body: expected a JSON object (the event)");
            }
            return HttpResponse.ofJson(lookup(event.get("data")));
        }));
    }

    ObjectNode lookup(JsonNode data) {
        ObjectNode answer = Json.mapper().createObjectNode();
        ArrayNode products = answer.putArray("products");
        ArrayNode unknown = answer.putArray("unknown_products");
        for (String id : ProductIds.of(data)) {
            Optional<Product> product = catalogue.find(id);
            if (product.isPresent()) {
                products.add(Json.mapper().valueToTree(product.get()));
            } else {
                unknown.add(id);
            }
        }
        return answer;
    }

    static HttpResponse error(HttpStatus status, String message) {
        ObjectNode body = Json.mapper().createObjectNode().put("error", message);
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toText(body));
    }
}
