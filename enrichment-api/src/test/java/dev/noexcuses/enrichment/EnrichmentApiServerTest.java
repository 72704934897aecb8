package dev.noexcuses.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enrichment.scoring.ModelScorer;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EnrichmentApiServerTest {
    private static EnrichmentApiServer api;
    private static WebClient client;

    @BeforeAll
    static void start() {
        api = EnrichmentApiServer.start(PlatformConfig.defaults(Map.of(
                "enrichment-api.port", "0",
                "enrichment-api.host", "127.0.0.1",
                "enrichment-api.schemas-directory", "../schemas")));
        client = WebClient.of(api.localUrl());
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void answersProductDetailsFromTheCatalogueForEveryProductOfAnEvent() throws Exception {
        AggregatedHttpResponse res = post("/v1/enrich", """
                {"schema": "com.webshop/purchase/1-0-0", "data": {"order_id": "o1", "items": [
                  {"product_id": "P0001", "quantity": 1}, {"product_id": "P0050", "quantity": 2},
                  {"product_id": "P9999", "quantity": 1}]}}""");

        assertThat(res.status()).isEqualTo(HttpStatus.OK);
        JsonNode body = Json.mapper().readTree(res.contentUtf8());
        assertThat(body.get("products")).hasSize(2);
        assertThat(body.at("/products/0/product_id").asText()).isEqualTo("P0001");
        assertThat(body.at("/products/0/name").asText()).isEqualTo("Trail Runner");
        assertThat(body.at("/products/0/category").asText()).isEqualTo("shoes");
        assertThat(body.at("/products/0/price").decimalValue()).isEqualByComparingTo("98.86");
        assertThat(body.at("/products/1/product_id").asText()).isEqualTo("P0050");
        assertThat(body.at("/unknown_products/0").asText()).isEqualTo("P9999");
    }

    @Test
    void rejectsABodyThatIsNotJsonWithBadRequest() {
        assertThat(post("/v1/enrich", "not json").status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(post("/v1/score", "[1]").status()).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void scoresWithNoModelUntilOneIsDeployed() throws Exception {
        String event = """
                {"schema": "com.webshop/page_view/1-0-0", "data": {"url": "/", "page_type": "home"}}""";
        JsonNode before = Json.mapper().readTree(post("/v1/score", event).contentUtf8());
        assertThat(before.get("status").asText()).isEqualTo("no_model");

        api.deploy(new ModelScorer() {
            @Override
            public Optional<ModelInfo> model() {
                return Optional.of(new ModelInfo("conversion", "3"));
            }

            @Override
            public double score(JsonNode e) {
                return 0.25;
            }
        });
        try {
            JsonNode after = Json.mapper().readTree(post("/v1/score", event).contentUtf8());
            assertThat(after.get("status").asText()).isEqualTo("scored");
            assertThat(after.get("model").asText()).isEqualTo("conversion");
            assertThat(after.get("version").asText()).isEqualTo("3");
            assertThat(after.get("score").asDouble()).isEqualTo(0.25);
        } finally {
            api.deploy(ModelScorer.none());
        }
    }

    @Test
    void servesSchemasFromTheRegistryDirectoryAndAnswersNotFoundForUnknownVersions() throws Exception {
        AggregatedHttpResponse found = client.get("/v1/schemas/com.webshop/page_view/1-0-0").aggregate().join();
        assertThat(found.status()).isEqualTo(HttpStatus.OK);
        assertThat(Json.mapper().readTree(found.contentUtf8()).at("/required/0").asText()).isEqualTo("url");

        assertThat(client.get("/v1/schemas/com.webshop/page_view/9-0-0").aggregate().join().status())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(client.get("/v1/schemas/com.webshop/page_view/latest").aggregate().join().status())
                .isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void reportsHealthReadinessAndPrometheusMetrics() {
        assertThat(client.get("/healthz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        assertThat(client.get("/readyz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        post("/v1/enrich", "{\"data\": {\"product_id\": \"P0002\"}}");
        AggregatedHttpResponse metrics = client.get("/metrics").aggregate().join();
        assertThat(metrics.status()).isEqualTo(HttpStatus.OK);
        assertThat(metrics.contentUtf8()).contains("enrichment_api_catalogue_products 50.0")
                .contains("enrichment_api_requests_total");
    }

    private static AggregatedHttpResponse post(String path, String body) {
        return client.execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body)).aggregate().join();
    }
}
