package dev.noexcuses.platform.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.enricher.geo.MmdbWriter;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.registry.client.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The demo shop, the Alerts page and the Experiments and Models pages as visitors and operators meet
 * them: the whole platform on real embedded infrastructure, the shop at /shop/ in headless Chromium (one
 * browser for the class), what the shop's tracker sent read back from OpenSearch, and runs and models
 * logged through the registry's Java client as a pipeline would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ShopAndAlertsTest {
    private static final Duration PAGE_WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    final TestDataDir data = new TestDataDir();
    private Path dataDir;
    private PlatformRuntime runtime;
    private String console;
    private ChromeDriver browser;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void startPlatform() throws Exception {
        dataDir = data.create("shop-test-");
        browser = HeadlessChromium.start(dataDir.resolve("chromium-profile"));
        int apiPort = LocalInfra.freePort();
        Path geo = dataDir.resolve("dbip-city-ipv4.mmdb");
        MmdbWriter.writeCityDatabase(geo, MmdbWriter.Layout.DBIP_CITY, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "-", "England", "London", 51.5143, -0.0912)));
        // A fixed console port: the collector allows the shop's origin (CORS) from the start.
        Config config = PlatformConfig.defaults(Map.ofEntries(
                Map.entry("enricher.enrichments.geoip.database", geo.toString()),
                Map.entry("platform.data-dir", dataDir.toString()),
                Map.entry("platform.home", Path.of("..").toAbsolutePath().normalize().toString()),
                Map.entry("local-infra.kafka.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.kafka.controller-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.transport-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.postgres.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.s3.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.redis.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("feature-store.online.port", "0"),
                Map.entry("ml-pipelines.scores.port", "0"),
                Map.entry("local-infra.trino.enabled", "false"),
                Map.entry("collector.port", "0"),
                // 8085 may be taken on the machine (another platform, another test).
                Map.entry("collector.admin.port", "0"),
                Map.entry("enrichment-api.port", String.valueOf(apiPort)),
                Map.entry("enricher.api.url", "http://127.0.0.1:" + apiPort),
                Map.entry("enricher.admin.port", "0"),
                Map.entry("realtime-loader.admin.port", "0"),
                Map.entry("batch-loader.admin.port", "0"),
                Map.entry("orchestrator.admin.port", "0"),
                // No Spark job in this test: no job host taking CPU from it.
                Map.entry("lakehouse.job-host.enabled", "false"),
                Map.entry("alerting.http.port", "0"),
                Map.entry("model-registry.port", "0"),
                Map.entry("serving.gateway.port", "0"),
                Map.entry("console.port", String.valueOf(LocalInfra.freePort()))));
        runtime = PlatformRuntime.start(config, dataDir, new PrintStream(new ByteArrayOutputStream(), true));
        console = runtime.consoleUrl().orElseThrow();
        data.started();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
        data.close();
    }

    @Test
    @Order(1)
    void aShopVisitIsSearchableWithItsSchemasAndIdentityAndNothingIsSentWithoutConsent() throws Exception {
        // Without consent: a marked button, add to cart, a form. Nothing may leave the page, nothing is stored.
        browser.get(console + "/shop/");
        wait(d -> d.findElement(By.id("add-P0001")));
        assertThat(browser.findElement(By.id("consent")).isSelected()).isFalse();
        browser.executeScript("""
                window.collectorCalls = 0;
                const fetchOriginal = window.fetch;
                window.fetch = function (url) {
                  if (String(url).includes('/v1/events')) window.collectorCalls++;
                  return fetchOriginal.apply(this, arguments);
                };
                const beaconOriginal = navigator.sendBeacon.bind(navigator);
                navigator.sendBeacon = function (url, body) {
                  if (String(url).includes('/v1/events')) window.collectorCalls++;
                  return beaconOriginal(url, body);
                };""");
        browser.findElement(By.id("promo")).click();
        browser.findElement(By.id("add-P0001")).click();
        browser.findElement(By.id("newsletter-email")).sendKeys("nobody@example.com");
        browser.findElement(By.id("newsletter-submit")).click();
        wait(d -> d.findElement(By.id("newsletter-result")).getText().contains("Thank you"));
        @SuppressWarnings("unchecked")
        List<Object> withoutConsent = (List<Object>) browser.executeScript("""
                shopTracker.flushOnExit();
                return shopTracker.flush().then(() => [window.collectorCalls, shopTracker.queue.length, shopTracker.sent,
                    localStorage.getItem('noexcuses.anonymous_id'), localStorage.getItem('noexcuses.outbox')]);""");
        assertThat(withoutConsent).containsExactly(0L, 0L, 0L, null, null);
        assertThat(text(By.id("cart-count"))).isEqualTo("1");

        // With consent: the same visitor clicks, opens a product, adds it, logs in.
        browser.findElement(By.id("consent")).click();
        String anonymousId = (String) browser.executeScript("return localStorage.getItem('noexcuses.anonymous_id')");
        assertThat(anonymousId).isNotBlank();
        browser.findElement(By.id("promo")).click();
        // Leaving the page hands the queued click to sendBeacon.
        browser.findElement(By.id("open-P0002")).click();
        click(By.id("add-to-cart"));
        wait(d -> d.findElement(By.id("cart-count")).getText().equals("2"));
        browser.get(console + "/shop/login.html");
        wait(d -> d.findElement(By.id("login-email"))).sendKeys("alice@example.com");
        browser.findElement(By.id("login-password")).sendKeys("secret");
        browser.findElement(By.id("login-submit")).click();
        wait(d -> d.findElement(By.id("logout")));
        assertThat(browser.executeScript("return localStorage.getItem('noexcuses.anonymous_id')")).isEqualTo(anonymousId);

        // What OpenSearch holds is what the visitor did after consenting, with the anonymous id, and the
        // user id (pseudonymised, as the platform stores it) from the login on.
        String user = Pseudonymiser.from(runtime.serviceConfig()).hmac("u-alice");
        List<JsonNode> events = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            events.clear();
            events.addAll(enrichedEvents());
            assertThat(events).extracting(e -> e.path("schema").asText()).contains(
                    "com.webshop/page_view/1-0-0", "com.webshop/button_click/1-0-0", "com.webshop/product_view/1-0-0",
                    "com.webshop/add_to_cart/1-0-0", "com.webshop/form_submit/1-0-0", "com.webshop/login/1-0-0");
            assertThat(events).filteredOn(e -> e.path("schema").asText().equals("com.webshop/page_view/1-0-0")
                    && e.has("user_id")).isNotEmpty();
        });
        assertThat(events).allSatisfy(e -> {
            assertThat(e.path("anonymous_id").asText()).isEqualTo(anonymousId);
            assertThat(e.path("source").asText()).isEqualTo("web-shop");
        });
        assertThat(events).filteredOn(e -> e.path("schema").asText().equals("com.webshop/button_click/1-0-0"))
                .extracting(e -> e.path("data").path("element_id").asText()).contains("promo-banner", "add-to-cart");
        assertThat(events).filteredOn(e -> e.path("schema").asText().equals("com.webshop/add_to_cart/1-0-0"))
                .singleElement().satisfies(e -> {
                    assertThat(e.path("data").path("product_id").asText()).isEqualTo("P0002");
                    assertThat(e.has("user_id")).isFalse();
                });
        assertThat(events).filteredOn(e -> e.path("schema").asText().equals("com.webshop/login/1-0-0"))
                .singleElement().satisfies(e -> assertThat(e.path("user_id").asText()).isEqualTo(user));
        assertThat(events).filteredOn(e -> e.path("schema").asText().equals("com.webshop/form_submit/1-0-0"))
                .extracting(e -> e.path("data").path("form_id").asText()).containsExactly("login-form");
        // Nothing from before consent: no newsletter form, one promo click only.
        assertThat(events).filteredOn(e -> e.path("data").path("element_id").asText().equals("promo-banner")).hasSize(1);
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
    }

    @Test
    @Order(2)
    void eventsTrackedOfflineWaitInTheBrowserAndArriveOnceItIsOnlineAgain() throws Exception {
        browser.get(console + "/shop/");
        wait(d -> d.findElement(By.id("promo")));
        // The first page view goes out while online; then the network goes away (navigator.onLine false).
        browser.executeScript("return shopTracker.flush()");
        browser.executeCdpCommand("Network.enable", Map.of());
        browser.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", true, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", -1));
        wait(d -> Boolean.FALSE.equals(browser.executeScript("return navigator.onLine")));
        browser.findElement(By.id("promo")).click();
        @SuppressWarnings("unchecked")
        List<String> kept = (List<String>) browser.executeScript("""
                return shopTracker.flush().then(() =>
                    JSON.parse(localStorage.getItem('noexcuses.outbox') || '[]').map(e => e.event_id));""");
        assertThat(kept).isNotEmpty();

        // Back online: the browser says so ('online'), and the next event's successful send takes the queue along.
        browser.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", false, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", -1));
        wait(d -> Boolean.TRUE.equals(browser.executeScript("return navigator.onLine")));
        browser.findElement(By.id("promo")).click();
        browser.executeScript("return shopTracker.flush()");
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(enrichedEvents()).extracting(e -> e.path("event_id").asText()).containsAll(kept));
        assertThat(browser.executeScript("return localStorage.getItem('noexcuses.outbox')")).isNull();
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
    }

    @Test
    @Order(3)
    void theAlertsPageShowsTheRulesAndSilencesARuleBehindLoginAndCsrf() throws Exception {
        browser.get(console + "/alerts");
        wait(d -> d.getCurrentUrl().endsWith("/login"));
        browser.findElement(By.id("user")).sendKeys("admin");
        browser.findElement(By.id("password")).sendKeys("admin");
        browser.findElement(By.id("login-button")).click();
        // The login takes a moment (PBKDF2) and then redirects: navigating before it lands would race the
        // session cookie and be sent to the login page again.
        wait(d -> !d.getCurrentUrl().contains("/login"));
        browser.get(console + "/alerts");
        wait(d -> d.findElement(By.id("alerts-rules")).getText().contains("dlq-share"));
        assertThat(text(By.id("alerts-rules")))
                .contains("volume-drop", "silent-source", "schema-violation-spike", "searchable-latency");
        browser.findElement(By.cssSelector("#alerts-rules button.silence[data-rule='silent-source']")).click();
        wait(d -> d.findElement(By.id("alerts-silences")).getText().contains("silent-source"));
        assertThat(text(By.id("alerts-silences"))).contains("admin");
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();

        // The same action without the page's CSRF token is refused.
        String cookie = browser.manage().getCookieNamed("console_session").getName() + "="
                + browser.manage().getCookieNamed("console_session").getValue();
        HttpResponse<String> forged = http.send(HttpRequest.newBuilder(URI.create(console + "/api/alerts/silence"))
                .header("Cookie", cookie).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"rule\":\"dlq-share\",\"duration\":\"1h\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(403);
    }

    @Test
    @Order(4)
    void theExperimentsAndModelsPagesSortRunsChartAndCompareThemAndShowVersionsHistoryAndPendingPromotions() throws Exception {
        String registryUrl = runtime.services().stream().filter(s -> s.name().equals("model-registry")).findFirst()
                .orElseThrow().endpoints().get("mlflow");
        RegistryClient pipeline = RegistryClient.create(URI.create(registryUrl), "local-dev-ml-pipeline-token");
        RegistryClient scientist = RegistryClient.create(URI.create(registryUrl), "local-dev-data-scientist-token");
        RegistryClient reviewer = RegistryClient.create(URI.create(registryUrl), "local-dev-reviewer-token");
        List<String> runIds = new ArrayList<>();
        for (int depth : new int[] {4, 6, 8}) {
            RegistryClient.RunHandle run = pipeline.startRun("churn-browser", "depth-" + depth, "4f2c9e1d",
                    Map.of("max_depth", String.valueOf(depth)), List.of(new RegistryClient.DatasetRef("features.user_daily", 42L, "training")));
            for (int step = 0; step < 4; step++) {
                run.logMetric("auc", 0.6 + depth / 100.0 + step / 100.0, step);
            }
            run.finish("FINISHED");
            runIds.add(run.runId());
        }
        List<RegistryClient.Gate> passed = List.of(new RegistryClient.Gate("auc-above-baseline", true, "ok"));
        int v1 = pipeline.registerVersion("churn-browser", runIds.get(0), "model", List.of(), passed).version();
        int v2 = pipeline.registerVersion("churn-browser", runIds.get(2), "model", List.of(), passed).version();
        pipeline.setAlias("churn-browser", "challenger", v1, "first candidate");
        reviewer.approve(scientist.requestPromotion("churn-browser", "champion", v2, "best auc"), "checked");
        scientist.requestPromotion("churn-browser", "champion", v1, "roll back to the simpler model");

        browser.get(console + "/experiments");
        if (browser.getCurrentUrl().endsWith("/login")) {
            browser.findElement(By.id("user")).sendKeys("admin");
            browser.findElement(By.id("password")).sendKeys("admin");
            browser.findElement(By.id("login-button")).click();
            wait(d -> !d.getCurrentUrl().contains("/login"));
            browser.get(console + "/experiments");
        }
        wait(d -> d.findElement(By.id("runs-table")).getText().contains("depth-8"));
        // Sorted by the metric's column, best first: a server-side order, not the page's.
        browser.findElement(By.cssSelector("a.sort[data-sort='metrics.auc']")).click();
        wait(d -> d.findElement(By.id("run-order")).getText().contains("metrics.auc DESC"));
        wait(d -> d.findElement(By.cssSelector("#runs tbody tr td:nth-child(2)")).getText().equals("depth-8"));
        browser.findElement(By.id("run-filter")).sendKeys("params.max_depth = '6'");
        browser.findElement(By.id("run-apply")).click();
        wait(d -> d.findElements(By.cssSelector("#runs tbody tr")).size() == 1);
        browser.findElement(By.id("run-filter")).clear();
        browser.findElement(By.id("run-apply")).click();
        wait(d -> d.findElements(By.cssSelector("#runs tbody tr")).size() == 3);
        for (WebElement tick : browser.findElements(By.cssSelector("#runs input.tick"))) {
            tick.click();
        }
        wait(d -> d.findElement(By.id("compare-table")).getText().contains("param max_depth"));
        assertThat(text(By.id("compare-table"))).contains("features.user_daily@42", "metric auc");
        wait(d -> "true".equals(d.findElement(By.id("metric-chart")).getAttribute("data-rendered")));
        HeadlessChromium.screenshot(browser, "experiments");

        browser.get(console + "/models");
        wait(d -> d.findElement(By.id("pending-requests")).getText().contains("roll back to the simpler model"));
        click(By.cssSelector("a.model-link[data-model='churn-browser']"));
        wait(d -> d.findElement(By.id("versions-table")).getText().contains("v" + v2));
        assertThat(text(By.id("model-aliases"))).contains("champion → v" + v2, "challenger → v" + v1);
        assertThat(text(By.id("history-table"))).contains("reviewer", "best auc");
        wait(d -> "true".equals(d.findElement(By.id("alias-timeline")).getAttribute("data-rendered")));
        HeadlessChromium.screenshot(browser, "models");
        browser.findElement(By.id("as-of")).sendKeys("2020-01-01T00:00:00Z");
        browser.findElement(By.id("as-of-apply")).click();
        wait(d -> d.findElement(By.id("aliases-as-of")).getText().contains("no alias at that time"));
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
    }

    private List<JsonNode> enrichedEvents() throws Exception {
        String search = runtime.serviceConfig().getString("opensearch.url");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(search
                        + "/events-enriched-*/_search?ignore_unavailable=true&allow_no_indices=true"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"size\":500,\"query\":{\"match_all\":{}}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        List<JsonNode> out = new ArrayList<>();
        Json.mapper().readTree(r.body()).path("hits").path("hits").forEach(h -> out.add(h.path("_source")));
        return out;
    }

    private <T> T wait(Function<WebDriver, T> condition) {
        return HeadlessChromium.until(browser, PAGE_WAIT, condition);
    }

    private String text(By element) {
        return HeadlessChromium.text(browser, PAGE_WAIT, element);
    }

    private void click(By element) {
        HeadlessChromium.click(browser, PAGE_WAIT, element);
    }
}
