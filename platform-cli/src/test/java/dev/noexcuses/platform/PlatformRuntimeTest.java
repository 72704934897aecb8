package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.cli.Commands;
import dev.noexcuses.platform.report.StageCounts;
import dev.noexcuses.platform.runtime.PlatformRuntime;
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

    @Test
    void everyAcceptedEventIsEnrichedFailedOrDeduplicatedAndStatusReportsEveryComponent() throws Exception {
        int apiPort = LocalInfra.freePort();
        Config config = PlatformConfig.defaults(Map.of(
                "platform.data-dir", dataDir.toString(),
                "platform.home", Path.of("..").toAbsolutePath().normalize().toString(),
                "local-infra.kafka.port", String.valueOf(LocalInfra.freePort()),
                "local-infra.kafka.controller-port", String.valueOf(LocalInfra.freePort()),
                "collector.port", "0",
                "enrichment-api.port", String.valueOf(apiPort),
                "enricher.api.url", "http://127.0.0.1:" + apiPort,
                "enricher.admin.port", "0"));
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
                    .contains("kafka", "collector", "enrichment-api", "enricher");
            assertThat(status.get("components").get(0).get("endpoints").get("bootstrap_servers").asText())
                    .startsWith("127.0.0.1:");
        }
        assertThat(Files.exists(dataDir.resolve("platform.json"))).isFalse();
    }
}
