package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.loader.batch.lake.LakeInspector;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./platform up} as its own process: commands run while it starts, a clean stop (SIGTERM), a kill. */
class PlatformLifecycleTest {
    @TempDir
    Path dataDir;

    /**
     * One platform's life: while {@code up} starts, status shows each component starting and other commands wait
     * for it; once up, rows the batch loader buffered are committed by the clean stop ({@code ./platform down})
     * even though it is the loader's first commit. One start for both: a start costs a minute of the suite.
     */
    @Test
    void whileUpStartsStatusShowsItAndCommandsWaitThenACleanStopCommitsWhatTheBatchLoaderBuffered() throws Exception {
        SimulationRun.Summary sent;
        Map<String, String> settings;
        String problems;
        // Rows are committed only by the stop: far from the buffer's size and age limits. Trino, which starts in the
        // background after up is done, is left out: the foreground start is the subject. Two services have admin
        // tokens of their own, which status must check their health with.
        try (PlatformProcess platform = new PlatformProcess(dataDir, Map.of("batch-loader.flush.max-age", "1h",
                "local-infra.trino.enabled", "false", "collector.admin.token", "collector-ops-token",
                "ml-pipelines.scores.token", "scores-ops-token"))) {
            settings = new HashMap<>(platform.settings());
            platform.start();
            // Caught early, while the infrastructure starts: long before the services are up.
            Awaitility.await("up writes that it is starting").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(100)).until(() -> RuntimeState.read(dataDir)
                            .filter(s -> s.starting().contains("opensearch")).isPresent());
            CompletableFuture<PlatformProcess.Result> stats = CompletableFuture.supplyAsync(() -> {
                try {
                    return platform.run("lake", "stats", "raw.enriched_events");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            PlatformProcess.Result statusRun = platform.run("status", "--json");
            assertThat(statusRun.exitCode()).as(statusRun.toString()).isEqualTo(2);
            JsonNode starting = Json.mapper().readTree(statusRun.output());
            assertThat(starting.path("running").asBoolean()).isTrue();
            assertThat(starting.path("starting").asBoolean()).isTrue();
            assertThat(starting.path("healthy").asBoolean()).isFalse();
            assertThat(starting.get("components")).anySatisfy(c -> {
                assertThat(c.get("name").asText()).isEqualTo("batch-loader");
                assertThat(c.get("state").asText()).isEqualTo("starting");
            });

            // lake stats, run while up starts, says so, waits, and answers.
            PlatformProcess.Result answered = stats.get(5, TimeUnit.MINUTES);
            assertThat(answered.exitCode()).as(answered.toString()).isZero();
            assertThat(answered.errors()).containsPattern("still starting, \\d+ of \\d+ components ready");
            assertThat(answered.output()).contains("Table raw.enriched_events");

            platform.awaitUp();
            PlatformProcess.Result ready = platform.run("status");
            assertThat(ready.exitCode()).as(ready.toString()).isZero();
            assertThat(ready.output()).doesNotContain("starting");
            assertThat(ready.output()).containsPattern("(?m)^collector +service +ready")
                    .containsPattern("(?m)^scores-api +service +ready").doesNotContain("ops-token");

            try (EventClient client = EventClient.builder(URI.create(platform.collectorUrl()))
                    .writeKey("local-dev-key").build()) {
                sent = new SimulationRun(new WebShopSimulator(5, "web-shop", 20, 0, 0), client, null).run(200, null, 0);
            }
            assertThat(sent.accepted()).isEqualTo(200);
            String metrics = "http://127.0.0.1:" + platform.setting("batch-loader.admin.port") + "/metrics";
            Awaitility.await("200 rows buffered by the batch loader").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> sum(metrics, "batch_loader_buffered_rows") == 200);
            assertThat(sum(metrics, "batch_loader_commits_total")).as("commits before the stop").isZero();

            // ./platform down: SIGTERM to the platform, and wait for its clean stop.
            PlatformProcess.Result down = platform.run("down");
            assertThat(down.exitCode()).as(down.toString()).isZero();
            assertThat(down.output()).contains("Stopping the platform (pid " + platform.pid() + ")", "Stopped.");
            assertThat(Files.readString(platform.output())).contains("Stopped.");
            problems = platform.problems();
        }

        // The lake as the platform left it: its PostgreSQL and S3 on the same data directory, nothing else running.
        settings.put("platform.data-dir", dataDir.toString());
        Config config = PlatformConfig.defaults(settings);
        try (LocalInfra infra = LocalInfra.forPlatform(config, dataDir).start("postgres", "s3");
             LakeCatalog lake = LakeCatalog.open(LakeSettings.from(infra.serviceConfig(config)))) {
            assertThat(new LakeInspector(lake.catalog()).stats("raw.enriched_events").rows()).as(problems).isEqualTo(200);
        }
    }

    @Test
    void embeddedServersAKilledPlatformLeftRunningAreStoppedByTheNextStartAndByDown() throws Exception {
        try (PlatformProcess platform = new PlatformProcess(dataDir, Map.of())) {
            platform.up();
            List<ProcessHandle> servers = embeddedServers();
            assertThat(servers).as("PostgreSQL, OpenSearch and Trino run as processes of their own").hasSizeGreaterThan(2);

            platform.kill();
            assertThat(servers).as("left running by the SIGKILL").allMatch(ProcessHandle::isAlive);
            // The next start on the data directory stops them and starts its own.
            platform.up();
            assertThat(servers).allSatisfy(p -> assertThat(p.onExit()).succeedsWithin(Duration.ofMinutes(3)));
            List<ProcessHandle> second = embeddedServers();

            platform.kill();
            assertThat(second).allMatch(ProcessHandle::isAlive);
            PlatformProcess.Result down = platform.run("down");
            assertThat(down.exitCode()).as(down.toString()).isZero();
            assertThat(down.output()).as(platform.problems()).contains("Stopped embedded servers a killed platform left running")
                    .contains("postgres", "opensearch", "trino", "redis");
            assertThat(second).allSatisfy(p -> assertThat(p.isAlive()).as(p.info().toString()).isFalse());
        }
    }

    /** The embedded PostgreSQL, OpenSearch, Redis and Trino servers' processes, from the pid files in the data directory. */
    private List<ProcessHandle> embeddedServers() throws Exception {
        Path trinoPid = dataDir.resolve("trino/trino.pid");
        Awaitility.await("Trino, started in the background, has a process").atMost(Duration.ofMinutes(2))
                .until(() -> Files.exists(trinoPid));
        List<ProcessHandle> servers = new ArrayList<>();
        String postmaster = Files.readAllLines(dataDir.resolve("postgres/data/postmaster.pid")).get(0).trim();
        ProcessHandle.of(Long.parseLong(postmaster)).ifPresent(servers::add);
        ProcessHandle.of(Long.parseLong(Files.readString(dataDir.resolve("opensearch/opensearch.pid")).trim()))
                .ifPresent(node -> {
                    servers.add(node);
                    node.descendants().forEach(servers::add);
                });
        ProcessHandle.of(Long.parseLong(Files.readString(trinoPid).trim())).ifPresent(servers::add);
        ProcessHandle.of(Long.parseLong(Files.readString(dataDir.resolve("redis/redis.pid")).trim())).ifPresent(servers::add);
        return servers;
    }

    /** The sum of a Prometheus metric's samples, over its tags. */
    private static double sum(String url, String metric) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + metric + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }
}
