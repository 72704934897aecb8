package dev.noexcuses.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo shop is open to anyone and may talk to the collector only; the Alerts API stays behind login. */
class ShopSiteTest {
    private static ConsoleServer console;
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        console = ConsoleServer.start(PlatformConfig.defaults(Map.of("console.port", "0",
                "console.shop.collector-url", "http://localhost:18080")));
    }

    @AfterAll
    static void stop() {
        console.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(console.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theShopItsTrackerAndItsConfigAreServedWithoutLoginAndMayPostOnlyToTheCollector() throws Exception {
        HttpResponse<String> page = get("/shop/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("/shop/tracker.js", "data-track=\"promo-banner\"");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("connect-src 'self' http://localhost:18080").doesNotContain("unsafe");
        assertThat(get("/shop/tracker.js").body()).contains("NoExcusesTracker", "sendBeacon");
        assertThat(get("/shop/config.js").body())
                .contains("\"collector\":\"http://localhost:18080\"", "\"writeKey\":\"local-dev-key\"", "\"source\":\"web-shop\"");
        JsonNode products = Json.mapper().readTree(get("/shop/products.json").body());
        assertThat(products.get(0).get("product_id").asText()).isEqualTo("P0001");
        assertThat(get("/shop").statusCode()).isEqualTo(302);
    }

    @Test
    void theAlertsPageAndItsApiNeedALogin() throws Exception {
        assertThat(get("/alerts").statusCode()).isEqualTo(302);
        assertThat(get("/api/alerts").statusCode()).isEqualTo(401);
    }
}
