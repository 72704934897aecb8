package dev.noexcuses.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tracker.js against the real collector: CORS for browsers, and its batches land in events.raw. */
class BrowserTrackerTest {
    private static CollectorServer collector;
    private static CollectorFixture fixture;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        Config config = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.cors-allowed-origins.0", "https://shop.example.com"));
        collector = CollectorServer.start(config);
        fixture = new CollectorFixture(config, collector);
    }

    @AfterAll
    static void stop() {
        collector.close();
    }

    @Test
    void answersABrowserPreflightForTheWriteKeyHeader() {
        AggregatedHttpResponse preflight = WebClient.of("http://127.0.0.1:" + collector.port())
                .execute(RequestHeaders.builder(HttpMethod.OPTIONS, "/v1/events")
                        .set("origin", "https://shop.example.com")
                        .set("access-control-request-method", "POST")
                        .set("access-control-request-headers", "content-type,x-write-key").build())
                .aggregate().join();
        assertThat(preflight.status().code()).isEqualTo(200);
        assertThat(preflight.headers().get("access-control-allow-origin")).isIn("*", "https://shop.example.com");
        assertThat(preflight.headers().get("access-control-allow-headers")).containsIgnoringCase("x-write-key");
    }

    @Test
    void trackerBatchesAreAcceptedAndLandInTheRawTopic() throws Exception {
        assumeTrue(nodeAvailable(), "node is not installed: tracker.js runs in a browser or node");
        Path tracker = dir.resolve("tracker.js");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("tracker/tracker.js")) {
            Files.write(tracker, in.readAllBytes());
        }
        Path driver = dir.resolve("drive.js");
        Files.writeString(driver, """
                const store = {};
                globalThis.localStorage = { getItem: k => store[k] || null, setItem: (k, v) => { store[k] = v; } };
                globalThis.location = { href: "https://shop.example.com/p/P0001" };
                globalThis.document = { referrer: "", title: "Trail Runner", addEventListener: () => {} };
                require(process.argv[2]);
                const results = [];
                const t = NoExcusesTracker.init({ collector: process.argv[3], writeKey: "local-dev-key",
                    source: "web-shop", onResult: r => results.push(r) });
                const ids = [t.pageView("product")];
                t.identify("u-7");
                ids.push(t.track("com.webshop/product_view/1-0-0", { product_id: "P0001" }));
                ids.push(t.click("add-to-cart", "Add to cart"));
                t.flush().then(() => console.log(JSON.stringify({ ids, results })));
                """);
        Process node = new ProcessBuilder("node", driver.toString(), tracker.toString(),
                "http://127.0.0.1:" + collector.port()).redirectErrorStream(true).start();
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(node.exitValue()).as(output).isZero();
        JsonNode run = Json.mapper().readTree(output.substring(output.lastIndexOf('\n') + 1));

        assertThat(run.get("results")).singleElement().satisfies(r -> {
            assertThat(r.get("status").asInt()).isEqualTo(200);
            assertThat(r.get("body").get("accepted").asInt()).isEqualTo(3);
        });
        List<String> ids = new ArrayList<>();
        run.get("ids").forEach(id -> ids.add(id.asText()));
        List<JsonNode> raw = fixture.awaitRecords(Topics.RAW, ids, 3);
        assertThat(raw).extracting(r -> r.get("event_id").asText()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(raw).filteredOn(r -> r.has("user_id")).hasSize(2);
    }

    private static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
