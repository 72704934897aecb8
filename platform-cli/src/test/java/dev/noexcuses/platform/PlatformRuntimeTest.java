package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.enricher.geo.MmdbWriter;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EndUser;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.platform.cli.Commands;
import dev.noexcuses.platform.report.StageCounts;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole streaming path as ./platform runs it: every service in one process, on real embedded Kafka. */
class PlatformRuntimeTest {
    @TempDir
    Path dataDir;

    private static final String CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            + "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    @Test
    void everyAcceptedEventIsEnrichedFailedOrDeduplicatedAndStatusReportsEveryComponent() throws Exception {
        // A city database in DB-IP's layout (the default one's), written here: the test needs no network.
        Path geo = dataDir.resolve("dbip-city-ipv4.mmdb");
        MmdbWriter.writeCityDatabase(geo, MmdbWriter.Layout.DBIP_CITY, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "-", "England", "London", 51.5143, -0.0912)));
        // Every port moved to a free one: a platform or another test may run on this machine.
        Map<String, String> settings = new java.util.HashMap<>(FreePorts.forEveryPortKey());
        settings.put("enricher.enrichments.geoip.database", geo.toString());
        settings.put("collector.trusted-proxies.0", "127.0.0.1/32");
        settings.put("batch-loader.flush.max-age", "2s");
        settings.put("platform.data-dir", dataDir.toString());
        settings.put("platform.home", Path.of("..").toAbsolutePath().normalize().toString());
        settings.put("local-infra.opensearch.start-timeout", "6m");
        // One Trino per test JVM: SqlCommandTest's.
        settings.put("local-infra.trino.enabled", "false");
        // No Spark here: the job host would only take CPU from what this test measures.
        settings.put("lakehouse.job-host.enabled", "false");
        Config config = PlatformConfig.defaults(settings);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        try (PlatformRuntime runtime = PlatformRuntime.start(config, dataDir, new PrintStream(progress, true))) {
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("collector", "enricher", "enrichment-api");
            Instant start = Instant.now();
            SimulationRun.Summary sent;
            try (EventClient client = EventClient.builder(URI.create(runtime.collectorUrl()))
                    .writeKey("local-dev-key").build()) {
                sent = new SimulationRun(new WebShopSimulator(3, "web-shop", 50, 0.1, 0.05), client, null)
                        .run(600, null, 0);
            }
            assertThat(sent.failed()).isZero();
            assertThat(sent.byKind().get(WebShopSimulator.Kind.DUPLICATE)).isPositive();
            assertThat(sent.byKind().get(WebShopSimulator.Kind.INVALID_DATA)).isPositive();

            // Counted by event id: each accepted id is enriched or failed exactly once; the rest of
            // the raw records are the duplicate sends, removed by the enricher.
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                StageCounts c = StageCounts.read(runtime.serviceConfig(), sent.acceptedIds(), start, java.util.List.of());
                assertThat(c.rawDistinct()).isEqualTo(sent.acceptedIds().size());
                assertThat(c.rawRecords()).isEqualTo(sent.accepted());
                assertThat(c.rawDlq()).isEqualTo(sent.rejected());
                assertThat(c.enriched() + c.enrichedFailed()).isEqualTo(c.rawDistinct());
                assertThat(c.enrichedFailedByType()).containsKey("schema_violation");
            });

            aVisitorRelayedFromLondonIsFoundNearLondonInOpenSearchAndTheLake(runtime);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrintStream original = System.out;
            int code;
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            try {
                code = Commands.execute("status", "--json", "--data-dir", dataDir.toString());
            } finally {
                System.setOut(original);
            }
            JsonNode status = Json.mapper().readTree(out.toByteArray());
            assertThat(code).as(status.toPrettyString()).isZero();
            assertThat(status.get("running").asBoolean()).isTrue();
            assertThat(status.get("components")).extracting(c -> c.get("name").asText())
                    .contains("kafka", "collector", "enrichment-api", "enricher", "orchestrator");
            assertThat(status.get("components").get(0).get("endpoints").get("bootstrap_servers").asText())
                    .startsWith("127.0.0.1:");
            // Nothing listens on a default port, where a platform already running on this machine would be.
            assertThat(status.get("components")).allSatisfy(c -> c.get("endpoints").forEach(endpoint ->
                    assertThat(FreePorts.defaultPortNumbers()).as(c.get("name") + " " + endpoint)
                            .noneMatch(port -> endpoint.asText().matches(".*:" + port + "(/.*)?"))));

            // verify reconciles every stage: nothing lost. Then one document goes missing from the index,
            // and verify says so, naming its id, with exit code 1.
            new RunLog("test", start, Instant.now(), sent.acceptedIds(), sent.rejected()).write(dataDir);
            Awaitility.await("verify passes").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> command("verify", "--data-dir", dataDir.toString()).code() == 0);
            // Compaction through the CLI while the loader runs: the rows stay, the loader's offsets move into
            // the compaction's snapshot, and every stage still reconciles.
            Result compact = command("lake", "compact", "raw.enriched_events", "--target-size", "134217728",
                    "--data-dir", dataDir.toString());
            assertThat(compact.code()).as(compact.output()).isZero();
            assertThat(compact.output()).as("the run and the London visitor were committed apart: two small files")
                    .containsPattern("Compacted lake.raw.enriched_events in [0-9.]+ s: ([2-9]|\\d\\d+) files");
            Result afterCompaction = command("lake", "stats", "raw.enriched_events", "--data-dir", dataDir.toString());
            assertThat(afterCompaction.code()).as(afterCompaction.output()).isZero();
            assertThat(afterCompaction.output()).as("offsets still stored, the compaction among the snapshots")
                    .contains("topic events.enriched:").contains("replace");
            assertThat(command("verify", "--data-dir", dataDir.toString()).code()).isZero();
            String someSent = Json.toText(sent.acceptedIds().stream().sorted().limit(100).toList());
            JsonNode enriched = Json.mapper().readTree(http("POST",
                    runtime.serviceConfig().getString("opensearch.url") + "/events-enriched-*/_search?size=1",
                    "{\"query\": {\"ids\": {\"values\": " + someSent + "}}}"));
            String lost = enriched.at("/hits/hits/0/_id").asText();
            String index = enriched.at("/hits/hits/0/_index").asText();
            assertThat(lost).isNotEmpty();
            // By id in its index: the embedded distribution has no _delete_by_query (reindex module).
            http("DELETE", runtime.serviceConfig().getString("opensearch.url") + "/" + index + "/_doc/" + lost
                    + "?refresh=true", "");
            Result verify = command("verify", "--data-dir", dataDir.toString());
            assertThat(verify.code()).as(verify.output()).isEqualTo(1);
            assertThat(verify.output()).contains("LOST OR DUPLICATED").contains("missing (1): [" + lost + "]");
        }
        assertThat(Files.exists(dataDir.resolve("platform.json"))).isFalse();
    }

    /**
     * One event relayed for a visitor at a known London address: its country, region, city and
     * coordinates reach the search index (found by a geo-distance query on the geo_point) and the lake
     * (typed columns), with the visitor's browser parsed from the relayed user agent.
     */
    private static void aVisitorRelayedFromLondonIsFoundNearLondonInOpenSearchAndTheLake(PlatformRuntime runtime)
            throws Exception {
        ObjectNode event = Json.mapper().createObjectNode().put("schema", "com.webshop/page_view/1-0-0")
                .put("event_time", Instant.now().toString()).put("source", "web-shop").put("anonymous_id", "a-london");
        event.putObject("data").put("url", "https://shop.example.com/").put("page_type", "home");
        try (EventClient client = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key")
                .build()) {
            assertThat(client.send(event, new EndUser("81.2.69.142", CHROME_ON_WINDOWS)).join().outcome())
                    .isEqualTo(Delivery.Outcome.ACCEPTED);
        }
        String eventId = event.get("event_id").asText();

        ClusterAccess search = ClusterAccess.from(runtime.serviceConfig());
        HttpClient http = HttpClient.newHttpClient();
        String nearLondon = """
                {"query": {"bool": {"filter": [{"ids": {"values": ["%s"]}},
                  {"geo_distance": {"distance": "25km", "enrichments.geo.location": {"lat": 51.5074, "lon": -0.1278}}}]}}}"""
                .formatted(eventId);
        JsonNode hit = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(search.url().resolve("/events-enriched-*/_search"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(nearLondon)).build(), HttpResponse.BodyHandlers.ofString());
                    JsonNode hits = Json.mapper().readTree(r.body()).path("hits").path("hits");
                    return hits.size() == 1 ? hits.get(0).get("_source") : null;
                }, java.util.Objects::nonNull);
        assertThat(hit.at("/collector/client_ip").asText()).as("pseudonymised").isNotEqualTo("81.2.69.142");
        assertThat(hit.at("/enrichments/geo")).isEqualTo(Json.mapper().readTree("""
                {"country_code": "GB", "country": "United Kingdom", "region": "England", "city": "London",
                 "location": {"lat": 51.5143, "lon": -0.0912}}"""));
        assertThat(hit.at("/enrichments/user_agent/browser").asText()).isEqualTo("Chrome");
        assertThat(hit.at("/enrichments/user_agent/os").asText()).isEqualTo("Windows");

        Record row = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> lakeRow(runtime.serviceConfig(), eventId), java.util.Optional::isPresent).get();
        Record geo = (Record) row.getField("geo");
        assertThat(geo.getField("country_code")).isEqualTo("GB");
        assertThat(geo.getField("region")).isEqualTo("England");
        assertThat(geo.getField("city")).isEqualTo("London");
        assertThat(geo.getField("latitude")).isEqualTo(51.5143);
        assertThat(geo.getField("longitude")).isEqualTo(-0.0912);
        assertThat(((Record) row.getField("ua")).getField("browser")).isEqualTo("Chrome");
    }

    private static java.util.Optional<Record> lakeRow(Config config, String eventId) throws Exception {
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(config))) {
            TableIdentifier id = EventTables.identifier(config.getString("batch-loader.tables.enriched-events"));
            if (!lake.catalog().tableExists(id)) {
                return java.util.Optional.empty();
            }
            try (CloseableIterable<Record> rows = IcebergGenerics.read(lake.catalog().loadTable(id))
                    .where(Expressions.equal("event_id", eventId)).build()) {
                for (Record row : rows) {
                    return java.util.Optional.of(row);
                }
            }
        }
        return java.util.Optional.empty();
    }

    private record Result(int code, String output) {}

    private static Result command(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = Commands.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    private static String http(String method, String url, String body) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                        .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}
