package dev.noexcuses.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.alerting.notify.WebhookChannel;
import dev.noexcuses.alerting.state.AlertDatabase;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.alerting.state.HistoryEntry;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.loader.realtime.index.DataMapping;
import dev.noexcuses.loader.realtime.index.IndexTemplates;
import dev.noexcuses.loader.realtime.index.SearchClients;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opensearch.client.opensearch.OpenSearchClient;

/**
 * Alerting against the real OpenSearch and PostgreSQL: events and failed records are indexed as the
 * realtime loader indexes them (its own templates), the evaluator's clock is moved by hand, and a real
 * HTTP receiver counts the signed webhook notifications it accepts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AlertingTest {
    private static final String SECRET = "test-webhook-secret-0123456789";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicBoolean receiverDown = new AtomicBoolean();
    private final AtomicInteger badSignatures = new AtomicInteger();
    private HttpServer receiver;
    private String searchUrl;
    private String prefix;
    private Config config;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("opensearch", "postgres").serviceOverrides();
        searchUrl = shared.get("opensearch.url");
        // Indices and a database of this test's own.
        prefix = "alert-test-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        OpenSearchClient client = SearchClients.create(ClusterAccess.from(ConfigFactory.parseMap(Map.of(
                "opensearch.url", searchUrl, "opensearch.username", "", "opensearch.password", "",
                "opensearch.tls.ca-file", "", "opensearch.tls.insecure", false))), Duration.ofSeconds(30));
        try {
            new IndexTemplates(client, new IndexTemplates.Options(prefix + "enriched-", prefix + "failed-", 1, 0,
                    Duration.ofSeconds(1), DataMapping.AUTO)).install();
        } finally {
            SearchClients.close(client);
        }
        String url = shared.get("postgres.jdbc-url");
        String database = "alerts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (receiverDown.get()) {
                refused.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            String timestamp = exchange.getRequestHeaders().getFirst(WebhookChannel.TIMESTAMP_HEADER);
            String expected = WebhookChannel.signature(SECRET, timestamp, new String(body, StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst(WebhookChannel.SIGNATURE_HEADER))) {
                badSignatures.incrementAndGet();
                exchange.sendResponseHeaders(401, -1);
                exchange.close();
                return;
            }
            accepted.add(Json.mapper().readTree(body));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        config = ConfigFactory.parseString("""
                alerting {
                  indices { enriched = "%1$senriched-*", failed = "%1$sfailed-*" }
                  rules = [
                    { name = "dlq-share", kind = "dlq-share", window = 5m, threshold = 0.05, min-events = 20, for = 1m }
                    { name = "bad-release", kind = "schema-violation-spike", window = 5m, threshold = 0.2, min-events = 10, for = 0s }
                  ]
                  notify {
                    webhooks = [ { name = "test", url = "http://127.0.0.1:%2$d/hook", secret = "%3$s" } ]
                    retries = 2
                    initial-backoff = 50ms
                    max-backoff = 100ms
                  }
                  http.port = 0
                }
                """.formatted(prefix, receiver.getAddress().getPort(), SECRET))
                .withFallback(SharedLocalInfra.serviceConfig(Map.of(
                        "postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + database), "opensearch", "postgres"));
    }

    @AfterAll
    void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aDlqSpikeFiresOnceAndResolvesWhenItEndsAndARestartSendsNothingTwice() throws Exception {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        // The spike: 100 valid events and 30 schema violations of one schema in the 5 minutes before t.
        for (int i = 0; i < 100; i++) {
            enriched(t.minusSeconds(290).plusSeconds(i * 2L), "com.webshop/page_view/1-0-0");
        }
        for (int i = 0; i < 30; i++) {
            failed(t.minusSeconds(170).plusSeconds(i * 5L), "schema_violation", "com.webshop/add_to_cart/1-0-0");
        }
        refresh();
        MovableClock clock = new MovableClock(t);

        try (Alerting alerting = Alerting.start(config, clock, false)) {
            alerting.evaluate();
            // dlq-share holds 1m before firing: pending, nothing sent for it yet. The bad release fires at once.
            assertThat(notifications("dlq-share")).isEmpty();
            assertThat(notifications("bad-release")).singleElement().satisfies(n -> {
                assertThat(n.get("group").asText()).isEqualTo("com.webshop/add_to_cart/1-0-0");
                assertThat(n.get("state").asText()).isEqualTo("firing");
            });

            // One minute on, still breaching: it fires. The receiver is down meanwhile: every try is refused.
            receiverDown.set(true);
            clock.set(t.plusSeconds(60));
            alerting.evaluate();
            assertThat(refused.get()).isEqualTo(3);
            assertThat(notifications("dlq-share")).isEmpty();
        }

        // A restart: the firing notification written before it is delivered now, and only once.
        receiverDown.set(false);
        clock.set(t.plusSeconds(120));
        try (Alerting alerting = Alerting.start(config, clock, false)) {
            alerting.evaluate();
            assertThat(notifications("dlq-share")).singleElement().satisfies(n -> {
                assertThat(n.get("group").asText()).isEqualTo("schema_violation");
                assertThat(n.get("state").asText()).isEqualTo("firing");
                assertThat(n.get("value").asDouble()).isGreaterThan(0.05);
            });
            clock.set(t.plusSeconds(180));
            alerting.evaluate();
            assertThat(notifications("dlq-share")).hasSize(1);

            // The API shows the firing alert.
            JsonNode overview = get("http://127.0.0.1:" + alerting.httpPort() + "/api/alerts");
            assertThat(overview.get("alerts")).anySatisfy(a -> {
                assertThat(a.get("rule").asText()).isEqualTo("dlq-share");
                assertThat(a.get("state").asText()).isEqualTo("firing");
            });
        }

        // The spike is over: five minutes of valid events only. Another restart, then the alert resolves, once.
        for (int i = 0; i < 100; i++) {
            enriched(t.plusSeconds(310).plusSeconds(i * 2L), "com.webshop/page_view/1-0-0");
        }
        refresh();
        clock.set(t.plusSeconds(600));
        try (Alerting alerting = Alerting.start(config, clock, false)) {
            alerting.evaluate();
            clock.set(t.plusSeconds(660));
            alerting.evaluate();
        }
        assertThat(notifications("dlq-share")).extracting(n -> n.get("state").asText()).containsExactly("firing", "resolved");
        assertThat(notifications("bad-release")).extracting(n -> n.get("state").asText()).containsExactly("firing", "resolved");
        assertThat(accepted).extracting(n -> n.get("notification_id").asText()).doesNotHaveDuplicates();
        assertThat(badSignatures.get()).isZero();

        try (AlertDatabase db = AlertDatabase.open(config)) {
            List<HistoryEntry> history = new AlertStore(db).history(Optional.of("dlq-share"), 10);
            assertThat(history).extracting(HistoryEntry::state).containsExactly("resolved", "firing", "pending");
        }
    }

    @Test
    void volumeDropSilentSourceAndLatencyAreMeasuredFromTheIndices() throws Exception {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofDays(1));
        // shop-a: 20 events in this hour on each of the 3 previous days, 4 now. app-b: quiet for 30 minutes.
        for (int day = 1; day <= 3; day++) {
            for (int i = 0; i < 20; i++) {
                enriched(t.minus(Duration.ofDays(day)).minusSeconds(60L + i * 60), "shop-a", 100);
            }
        }
        for (int i = 0; i < 4; i++) {
            enriched(t.minusSeconds(60L + i * 60), "shop-a", 4_000 + i * 1_000L);
        }
        enriched(t.minus(Duration.ofMinutes(30)), "app-b", 200);
        refresh();
        var queries = new dev.noexcuses.alerting.search.RuleQueries(
                dev.noexcuses.alerting.search.SearchCluster.fromConfig(config), prefix + "enriched-*", prefix + "failed-*");
        var volume = new dev.noexcuses.alerting.rule.AlertRule("volume", dev.noexcuses.alerting.rule.RuleKind.VOLUME_DROP,
                Duration.ofHours(1), 3, Duration.ofDays(1), 0.5, 10, Duration.ZERO);
        assertThat(queries.observe(volume, t)).filteredOn(o -> o.group().equals("shop-a")).singleElement()
                .satisfies(o -> {
                    assertThat(o.breaching()).isTrue();
                    assertThat(o.value()).isEqualTo(4 / 20.0);
                });
        var silent = new dev.noexcuses.alerting.rule.AlertRule("silent", dev.noexcuses.alerting.rule.RuleKind.SILENT_SOURCE,
                Duration.ofMinutes(15), 7, Duration.ofHours(24), 0, 0, Duration.ZERO);
        assertThat(queries.observe(silent, t)).filteredOn(dev.noexcuses.alerting.rule.Observation::breaching)
                .extracting(dev.noexcuses.alerting.rule.Observation::group).containsExactly("app-b");
        var latency = new dev.noexcuses.alerting.rule.AlertRule("latency", dev.noexcuses.alerting.rule.RuleKind.SEARCHABLE_LATENCY,
                Duration.ofMinutes(5), 7, Duration.ofDays(1), 5, 4, Duration.ZERO);
        assertThat(queries.observe(latency, t)).singleElement().satisfies(o -> {
            assertThat(o.breaching()).isTrue();
            assertThat(o.value()).isGreaterThan(5).isLessThanOrEqualTo(7);
        });
    }

    private List<JsonNode> notifications(String rule) {
        return accepted.stream().filter(n -> n.get("rule").asText().equals(rule)).toList();
    }

    private void enriched(Instant receivedAt, String schema) throws Exception {
        String id = UUID.randomUUID().toString();
        index(prefix + "enriched-" + DAY.format(receivedAt), id, """
                {"event_id":"%s","schema":"%s","event_time":"%s","source":"web-shop","anonymous_id":"a-1",
                 "data":{"url":"https://shop.example.com/"},"collector":{"received_at":"%s"}}"""
                .formatted(id, schema, receivedAt, receivedAt));
    }

    private void enriched(Instant receivedAt, String source, long latencyMs) throws Exception {
        String id = UUID.randomUUID().toString();
        index(prefix + "enriched-" + DAY.format(receivedAt), id, """
                {"event_id":"%s","schema":"com.webshop/page_view/1-0-0","event_time":"%s","source":"%s",
                 "anonymous_id":"a-1","collector":{"received_at":"%s"},"loader":{"latency_ms":%d}}"""
                .formatted(id, receivedAt, source, receivedAt, latencyMs));
    }

    private void failed(Instant failedAt, String type, String schema) throws Exception {
        String id = UUID.randomUUID().toString();
        index(prefix + "failed-" + DAY.format(failedAt), id, """
                {"failure_id":"%s","failure_type":"%s","component":"enricher","errors":[{"path":"$.data.quantity",
                 "message":"required"}],"event_id":"%s","payload":"{}","payload_encoding":"utf8",
                 "payload_truncated":false,"failed_at":"%s","context":{"schema":"%s"}}"""
                .formatted(id, type, UUID.randomUUID(), failedAt, schema));
    }

    private void index(String index, String id, String json) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(searchUrl + "/" + index + "/_doc/" + id))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }

    private void refresh() throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(searchUrl + "/" + prefix + "*/_refresh"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String url) throws Exception {
        return Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The evaluator's clock, moved by the test. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
