package dev.noexcuses.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.verify.LakeStores;
import dev.noexcuses.platform.verify.Reconciler;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.platform.verify.SearchIndexStore;
import dev.noexcuses.platform.verify.StageCheck;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The whole streaming path on this machine: every service in one process on embedded Kafka,
 * OpenSearch, PostgreSQL and S3. Steps up the event rate until a stage stops keeping up (its
 * consumer lag grows or exceeds a bound) or the collector cannot take the rate, then measures
 * collector-to-searchable latency at half the highest sustained rate, and reconciles every event.
 * The raw Kafka producer's throughput on the same broker is measured in the same run.
 *
 * <p>Run: {@code ./bench/run pipeline [stepSeconds] [maxRate]}.
 */
public final class PipelineBenchmark {
    private static final String[] GROUPS = {"noexcuses-enricher", "noexcuses-realtime-loader", "batch-loader"};
    private static final int[] RATES = {500, 1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000, 24000, 32000};

    record Step(int target, double achieved, Map<String, Long> lagStart, Map<String, Long> lagEnd, boolean kept,
                String reason) {}

    public static void main(String[] args) throws Exception {
        int stepSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int maxRate = args.length > 1 ? Integer.parseInt(args[1]) : 32000;
        Path dataDir = Files.createTempDirectory("noexcuses-bench-pipeline-");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("platform.data-dir", dataDir.toString());
        for (String key : List.of("kafka.port", "kafka.controller-port", "opensearch.port", "opensearch.transport-port",
                "postgres.port", "s3.port")) {
            settings.put("local-infra." + key, String.valueOf(LocalInfra.freePort()));
        }
        int apiPort = LocalInfra.freePort();
        settings.put("collector.port", "0");
        settings.put("enrichment-api.port", String.valueOf(apiPort));
        settings.put("enricher.api.url", "http://127.0.0.1:" + apiPort);
        settings.put("enricher.admin.port", "0");
        settings.put("realtime-loader.admin.port", "0");
        settings.put("batch-loader.admin.port", "0");
        settings.put("batch-loader.flush.max-age", "10s");
        Config config = PlatformConfig.defaults(settings);
        System.out.printf("Pipeline benchmark: steps of %d s, %d cores, data in %s%n", stepSeconds,
                Runtime.getRuntime().availableProcessors(), dataDir);
        try (PlatformRuntime runtime = PlatformRuntime.start(config, dataDir, new PrintStream(
                java.io.OutputStream.nullOutputStream()))) {
            Config services = runtime.serviceConfig();
            double baseline = rawProducerBaseline(services, 100_000);
            System.out.printf("raw Kafka producer baseline: %,.0f events/s%n", baseline);

            Instant runStart = Instant.now();
            Set<String> accepted = new HashSet<>();
            long rejected = 0;
            List<Step> steps = new ArrayList<>();
            int best = 0;
            try (Admin admin = Admin.create(KafkaClients.base(services));
                 EventClient client = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key")
                         .batchSize(100).linger(Duration.ofMillis(20)).senders(4).maxQueuedEvents(50_000).build()) {
                long seed = 1;
                for (int rate : RATES) {
                    if (rate > maxRate) {
                        break;
                    }
                    SimulationRun run = new SimulationRun(new WebShopSimulator(seed++, "web-shop", 2000, 0.02, 0.01),
                            client, null);
                    // Lag is sampled from the middle of the step to its end: a stage that keeps up holds it flat.
                    Map<String, Long>[] lagAtMiddle = new Map[1];
                    Thread sampler = new Thread(() -> {
                        try {
                            Thread.sleep(stepSeconds * 500L);
                            lagAtMiddle[0] = lags(admin);
                        } catch (Exception e) {
                            lagAtMiddle[0] = Map.of();
                        }
                    });
                    sampler.start();
                    SimulationRun.Summary s = run.run(0, Duration.ofSeconds(stepSeconds), rate);
                    Map<String, Long> lagEnd = lags(admin);
                    sampler.join();
                    accepted.addAll(s.acceptedIds());
                    rejected += s.rejected();
                    double achieved = (s.accepted() + s.rejected()) / (s.elapsed().toMillis() / 1000.0);
                    String reason = keepsUp(rate, achieved, s, lagAtMiddle[0], lagEnd);
                    Step step = new Step(rate, achieved, lagAtMiddle[0], lagEnd, reason == null, reason);
                    steps.add(step);
                    System.out.printf(Locale.ROOT, "  %,6d/s target: achieved %,.0f/s, lag mid %s, end %s -> %s%n", rate,
                            achieved, lagAtMiddle[0], lagEnd, reason == null ? "keeps up" : "falls behind (" + reason + ")");
                    if (reason != null) {
                        break;
                    }
                    best = rate;
                    awaitDrained(admin, Duration.ofSeconds(60));
                }

                int half = Math.max(100, best / 2);
                System.out.printf("highest sustained rate: %,d events/s; latency at half: %,d events/s%n", best, half);
                awaitDrained(admin, Duration.ofSeconds(90));
                Latencies latencies = new Latencies(1000);
                long[] notFound = new long[1];
                Thread probe = new Thread(() -> notFound[0] = probeLatency(runtime, services, Duration.ofSeconds(30),
                        latencies));
                probe.start();
                SimulationRun.Summary steady = new SimulationRun(new WebShopSimulator(99, "web-shop", 2000, 0.02, 0.01),
                        client, null).run(0, Duration.ofSeconds(30), half);
                probe.join();
                accepted.addAll(steady.acceptedIds());
                rejected += steady.rejected();
                awaitDrained(admin, Duration.ofSeconds(120));

                RunLog log = new RunLog("pipeline-bench", runStart, Instant.now(), accepted, rejected);
                Reconciler reconciler = new Reconciler(services, 10, List.of(new SearchIndexStore(services),
                        LakeStores.enrichedEvents(services)));
                List<StageCheck> checks = List.of();
                for (int i = 0; i < 12; i++) {
                    checks = reconciler.reconcile(List.of(log), runStart.minusSeconds(5), Instant.now());
                    if (checks.stream().allMatch(StageCheck::ok)) {
                        break;
                    }
                    Thread.sleep(10_000);
                }
                report(baseline, steps, best, half, latencies, notFound[0], checks);
            }
        }
        System.exit(0);
    }

    private static String keepsUp(int rate, double achieved, SimulationRun.Summary s, Map<String, Long> middle,
                                  Map<String, Long> end) {
        if (s.failed() > 0) {
            return s.failed() + " events not delivered";
        }
        if (achieved < rate * 0.95) {
            return String.format(Locale.ROOT, "collector took %.0f/s", achieved);
        }
        for (String group : GROUPS) {
            long m = middle.getOrDefault(group, 0L);
            long e = end.getOrDefault(group, 0L);
            // The batch loader holds up to its flush age of events by design; allow that much.
            long bound = (long) (rate * (group.equals("batch-loader") ? 20 : 5));
            if (e > bound) {
                return group + " lag " + e + " > " + bound;
            }
            if (e > m + rate * 2L && !group.equals("batch-loader")) {
                return group + " lag grew " + m + " -> " + e;
            }
        }
        return null;
    }

    /** Consumer lag per group: records in its topics not yet committed. */
    static Map<String, Long> lags(Admin admin) throws Exception {
        Map<String, Long> lags = new LinkedHashMap<>();
        for (String group : GROUPS) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (var e : committed.entrySet()) {
                long end = ends.get(e.getKey()).offset();
                lag += Math.max(0, end - (e.getValue() == null ? 0 : e.getValue().offset()));
            }
            lags.put(group, lag);
        }
        return lags;
    }

    private static void awaitDrained(Admin admin, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            // Transaction markers keep a few offsets of lag on the enricher's input; "drained" tolerates them.
            if (lags(admin).values().stream().allMatch(l -> l < 50)) {
                return;
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Sends one marked event every 100 ms and polls the search index for it every 50 ms: the time
     * from handing it to the collector to the first search that finds it.
     */
    private static long probeLatency(PlatformRuntime runtime, Config services, Duration duration, Latencies latencies) {
        String url = services.getString("opensearch.url");
        HttpClient http = HttpClient.newHttpClient();
        long notFound = 0;
        try (EventClient probe = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key")
                .batchSize(1).linger(Duration.ZERO).senders(1).build()) {
            long end = System.nanoTime() + duration.toNanos();
            List<Thread> waiters = new ArrayList<>();
            while (System.nanoTime() < end) {
                ObjectNode event = Json.mapper().createObjectNode();
                String id = java.util.UUID.randomUUID().toString();
                event.put("event_id", id).put("schema", "com.webshop/page_view/1-0-0")
                        .put("event_time", Instant.now().toString()).put("source", "web-shop")
                        .put("anonymous_id", "probe").putObject("data").put("url", "https://shop.example.com/")
                        .put("page_type", "home");
                long t0 = System.nanoTime();
                probe.send(event);
                Thread waiter = new Thread(() -> {
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() < giveUp) {
                        if (found(http, url, id)) {
                            latencies.add(System.nanoTime() - t0);
                            return;
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                waiter.start();
                waiters.add(waiter);
                Thread.sleep(100);
            }
            for (Thread w : waiters) {
                w.join();
            }
            notFound = waiters.size() - latencies.count();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return notFound;
    }

    private static boolean found(HttpClient http, String url, String id) {
        try {
            String body = "{\"size\":1,\"_source\":false,\"query\":{\"ids\":{\"values\":[\"" + id + "\"]}}}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/events-enriched-*/_search"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode hits = Json.mapper().readTree(r.body()).path("hits").path("hits");
            return hits.size() > 0;
        } catch (Exception e) {
            return false;
        }
    }

    static double rawProducerBaseline(Config config, int n) throws Exception {
        String topic = "bench.pipeline.baseline";
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            admin.createTopics(List.of(new NewTopic(topic, config.getInt("kafka.topics.partitions"), (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        WebShopSimulator simulator = new WebShopSimulator(5, "web-shop", 2000, 0, 0);
        CollectorMetadata metadata = new CollectorMetadata(Instant.now(), "bench", "r", "127.0.0.1", "bench",
                "web-shop", "rest");
        List<byte[]> values = new ArrayList<>(n);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ObjectNode e = simulator.next().event();
            EventEnvelope env = new EventEnvelope(e.get("event_id").asText(), e.get("schema").asText(),
                    Instant.parse(e.get("event_time").asText()), "web-shop", e.path("user_id").asText(null),
                    e.path("anonymous_id").asText(null), e.get("data"), metadata, null);
            values.add(Json.toBytes(env));
            keys.add(env.partitionKey());
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClients.reliableProducer(config, "bench-baseline", 30_000))) {
            for (int i = 0; i < 10_000; i++) {
                producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
            }
            producer.flush();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, keys.get(i), values.get(i)));
            }
            producer.flush();
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void report(double baseline, List<Step> steps, int best, int half, Latencies latencies,
                               long notFound, List<StageCheck> checks) {
        System.out.println();
        System.out.println("| target events/s | achieved events/s | lag at mid-step | lag at end | result |");
        System.out.println("|---:|---:|---|---|---|");
        for (Step s : steps) {
            System.out.printf(Locale.ROOT, "| %,d | %,.0f | %s | %s | %s |%n", s.target(), s.achieved(), s.lagStart(),
                    s.lagEnd(), s.kept() ? "keeps up" : "falls behind: " + s.reason());
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "| measure | value |%n|---|---:|%n");
        System.out.printf(Locale.ROOT, "| raw Kafka producer baseline (events/s) | %,.0f |%n", baseline);
        System.out.printf(Locale.ROOT, "| highest sustained rate, whole path (events/s) | %,d |%n", best);
        System.out.printf(Locale.ROOT, "| sustained rate / raw producer | %.3f |%n", best / baseline);
        System.out.printf(Locale.ROOT, "| latency load (events/s) | %,d |%n", half);
        System.out.printf(Locale.ROOT, "| collector -> searchable p50 (ms) | %.0f |%n", latencies.percentileMs(50));
        System.out.printf(Locale.ROOT, "| collector -> searchable p99 (ms) | %.0f |%n", latencies.percentileMs(99));
        System.out.printf(Locale.ROOT, "| probes (found / not found in 30 s) | %d / %d |%n", latencies.count(), notFound);
        System.out.println();
        System.out.println("Reconciliation of every event of the run:");
        for (StageCheck c : checks) {
            System.out.printf(Locale.ROOT, "  %-46s expected %,d found %,d missing %,d duplicated %,d%n", c.stage(),
                    c.expected(), c.found(), c.missing(), c.duplicated());
        }
    }
}
