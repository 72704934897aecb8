package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.verify.Reconciler;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.platform.verify.SearchIndexStore;
import dev.noexcuses.platform.verify.StageCheck;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under a steady load, each in turn: the enricher, the realtime loader and the batch loader
 * killed with SIGKILL and restarted (separate processes), the Kafka broker stopped and restarted,
 * OpenSearch stopped and restarted. Afterwards the reconciliation finds nothing lost or duplicated.
 */
class StreamingFaultsTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsLostOrDuplicatedThroughKillsAndOutages() throws Exception {
        Config base = PlatformConfig.defaults(Map.of("collector.port", "0", "collector.admin.port", "0", "collector.kafka-timeout", "2s",
                "platform.home", Path.of("..").toAbsolutePath().normalize().toString()));
        try (LocalInfra infra = LocalInfra.forTests(base).start("kafka", "opensearch", "postgres", "s3")) {
            Config config = infra.serviceConfig(base);
            int apiPort = LocalInfra.freePort();
            int enricherAdmin = LocalInfra.freePort();
            int realtimeAdmin = LocalInfra.freePort();
            int batchAdmin = LocalInfra.freePort();
            Map<String, String> shared = new HashMap<>(infra.serviceOverrides());
            shared.put("platform.home", config.getString("platform.home"));
            shared.put("enricher.api.url", "http://127.0.0.1:" + apiPort);

            List<ServiceProcess> processes = new ArrayList<>();
            ServiceProcess api = process(processes, "enrichment-api", shared, Map.of("enrichment-api.port",
                    String.valueOf(apiPort)), "http://127.0.0.1:" + apiPort + "/healthz");
            ServiceProcess enricher = process(processes, "enricher", shared, Map.of("enricher.admin.port",
                    String.valueOf(enricherAdmin)), "http://127.0.0.1:" + enricherAdmin + "/healthz");
            ServiceProcess realtime = process(processes, "realtime-loader", shared, Map.of(
                    "realtime-loader.admin.port", String.valueOf(realtimeAdmin)),
                    "http://127.0.0.1:" + realtimeAdmin + "/healthz");
            ServiceProcess batch = process(processes, "batch-loader", shared, Map.of(
                    "batch-loader.admin.port", String.valueOf(batchAdmin), "batch-loader.flush.max-age", "3s"),
                    "http://127.0.0.1:" + batchAdmin + "/healthz");
            try (CollectorServer collector = CollectorServer.start(config)) {
                for (ServiceProcess p : processes) {
                    p.start();
                }
                Instant start = Instant.now();
                SimulationRun.Summary summary;
                try (EventClient client = EventClient.builder(URI.create("http://127.0.0.1:" + collector.port()))
                        .writeKey("local-dev-key").batchSize(25).maxBackoff(Duration.ofSeconds(1)).build()) {
                    CompletableFuture<SimulationRun.Summary> load = CompletableFuture.supplyAsync(() ->
                            new SimulationRun(new WebShopSimulator(11, "web-shop", 200, 0.05, 0.03), client, null)
                                    .run(0, Duration.ofSeconds(75), 150));
                    pause(5);
                    enricher.kill();
                    pause(2);
                    enricher.start();
                    realtime.kill();
                    pause(2);
                    realtime.start();
                    batch.kill();
                    pause(2);
                    batch.start();
                    restart(infra.component("kafka").orElseThrow(), 6);
                    restart(infra.component("opensearch").orElseThrow(), 6);
                    summary = load.join();
                }
                assertThat(summary.failed()).isZero();
                RunLog run = new RunLog("faults", start, Instant.now(), summary.acceptedIds(), summary.rejected());

                Reconciler reconciler = new Reconciler(config, 20, List.of(new SearchIndexStore(config),
                        dev.noexcuses.platform.verify.LakeStores.enrichedEvents(config)));
                Awaitility.await("every stage reconciled").atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> {
                            List<StageCheck> checks = reconciler.reconcile(List.of(run), start.minusSeconds(5),
                                    Instant.now());
                            assertThat(checks).hasSize(5).allSatisfy(c -> assertThat(c.ok()).as(c.toString()).isTrue());
                        });
            } finally {
                for (ServiceProcess p : processes) {
                    p.close();
                }
            }
        }
    }

    private ServiceProcess process(List<ServiceProcess> all, String component, Map<String, String> shared,
                                   Map<String, String> own, String healthUrl) {
        Map<String, String> settings = new HashMap<>(shared);
        settings.putAll(own);
        ServiceProcess p = new ServiceProcess(component, dir.resolve(component), settings, healthUrl);
        all.add(p);
        return p;
    }

    private static void restart(InfraComponent component, int downSeconds) throws Exception {
        component.stop();
        pause(downSeconds);
        component.start();
    }

    private static void pause(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
    }
}
