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
import dev.noexcuses.platform.runtime.HttpProbe;
import java.net.URI;
import java.security.SecureRandom;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults under a steady load, each in turn: the enricher, the realtime loader and the batch loader
 * killed with SIGKILL and restarted (separate processes), the Kafka broker stopped and restarted,
 * OpenSearch stopped and restarted. Each fault comes at a random point of the load (events the
 * collector answered, from a seed printed on failure) and the load is seen going on after it.
 * Afterwards the reconciliation finds nothing lost or duplicated.
 */
class StreamingFaultsTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsLostOrDuplicatedThroughKillsAndOutages() throws Exception {
        long seed = Long.getLong("faults.seed", new SecureRandom().nextLong());
        try {
            nothingIsLostOrDuplicatedThroughKillsAndOutages(seed, new Random(seed));
        } catch (Throwable t) {
            throw new AssertionError("Failed with fault seed " + seed + " (again: -Dfaults.seed=" + seed + "): "
                    + t.getMessage(), t);
        }
    }

    private void nothingIsLostOrDuplicatedThroughKillsAndOutages(long seed, Random random) throws Exception {
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
                String collectorUrl = "http://127.0.0.1:" + collector.port();
                String realtimeReady = "http://127.0.0.1:" + realtimeAdmin + "/readyz";
                List<Fault> faults = List.of(
                        new Fault("enricher killed", () -> {
                            enricher.kill();
                            enricher.start();
                        }),
                        new Fault("realtime loader killed", () -> {
                            realtime.kill();
                            realtime.start();
                        }),
                        new Fault("batch loader killed", () -> {
                            batch.kill();
                            batch.start();
                        }),
                        // Down until the collector has noticed (it answers 503 and producers retry).
                        new Fault("Kafka stopped", () -> outage(infra.component("kafka").orElseThrow(),
                                () -> !HttpProbe.ok(collectorUrl + "/readyz"))),
                        // Down until the realtime loader has noticed (not ready, nothing acknowledged).
                        new Fault("OpenSearch stopped", () -> outage(infra.component("opensearch").orElseThrow(),
                                () -> !HttpProbe.ok(realtimeReady))));
                Instant start = Instant.now();
                SimulationRun.Summary summary;
                try (EventClient client = EventClient.builder(URI.create(collectorUrl))
                        .writeKey("local-dev-key").batchSize(25).maxBackoff(Duration.ofSeconds(1)).build()) {
                    SimulationRun run = new SimulationRun(new WebShopSimulator(seed, "web-shop", 200, 0.05, 0.03),
                            client, null);
                    // Runs until stopped after the last fault (the bound is only a safety net).
                    CompletableFuture<SimulationRun.Summary> load = CompletableFuture.supplyAsync(() ->
                            run.run(0, Duration.ofMinutes(20), 150));
                    long point = 0;
                    for (Fault fault : faults) {
                        // Each fault a random number of answered events after the previous one ended.
                        long due = point + 300 + random.nextInt(900);
                        Awaitility.await(fault.name() + " due at " + due + " events answered")
                                .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100))
                                .until(() -> run.answered() >= due || load.isDone());
                        assertThat(load.isDone()).as(fault.name() + ": the load is still running").isFalse();
                        long before = run.answered();
                        fault.action().run();
                        // The load goes on after the fault: it happened under load, not after it.
                        Awaitility.await(fault.name() + ": load continues").atMost(Duration.ofMinutes(3))
                                .pollInterval(Duration.ofMillis(100)).until(() -> run.answered() > before);
                        assertThat(load.isDone()).as(fault.name() + ": the load outlasted the fault").isFalse();
                        point = run.answered();
                    }
                    long end = point + 300 + random.nextInt(900);
                    Awaitility.await("load after the last fault").atMost(Duration.ofMinutes(3))
                            .pollInterval(Duration.ofMillis(100)).until(() -> run.answered() >= end);
                    run.stop();
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

    /** Stops the component until {@code noticed} holds, then starts it again. */
    private static void outage(InfraComponent component, java.util.concurrent.Callable<Boolean> noticed)
            throws Exception {
        component.stop();
        try {
            Awaitility.await(component.name() + " outage noticed").atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200)).until(noticed);
        } finally {
            component.start();
        }
    }

    private record Fault(String name, Action action) {}

    private interface Action {
        void run() throws Exception;
    }
}
