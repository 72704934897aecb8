package dev.noexcuses.bench.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.files.FileTrees;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.bench.enricher.RealisticEvents;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.loader.batch.BatchLoader;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
import java.io.IOException;
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
import io.micrometer.core.instrument.Counter;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The whole streaming path on this machine: every service in one process on embedded Kafka,
 * OpenSearch, PostgreSQL and S3, fed by the simulator's visitors (public addresses relayed through
 * loopback, real browser user agents, the real DB-IP city database). After a warm-up (its backlog
 * drained) it measures collector-to-searchable latency at 100 and 1,000 events/s, then steps the rate
 * up from 100 events/s until a stage
 * falls behind: a stage keeps up when its consumer lag at the end of a step is no more than its lag
 * at mid-step plus one second of input (each the least of the samples of the 3 s before, so the
 * batch loader's flush sawtooth does not count), and the collector keeps up when it takes 95% of
 * the rate with nothing undelivered. The last rate every stage kept up with is the ceiling; latency
 * is measured again at half of it. Each stage's standalone rate (alone on a pre-loaded topic, the
 * rest of the platform idle) is measured in the same run, and every event is reconciled.
 *
 * <p>Run: {@code ./bench/run pipeline [stepSeconds]} from the repository root; {@code ./bench/run pipeline probe
 * RATE SECONDS} runs only the warm-up and one latency probe at RATE for SECONDS, and names its slowest probes.
 */
public final class PipelineBenchmark {
    private static final String[] GROUPS = {"noexcuses-enricher", "noexcuses-realtime-loader", "batch-loader"};
    /**
     * From below the warm-up's rate, finer where a 2-core machine running the whole platform tops out
     * (a few hundred events/s), so that the ceiling is a measured step rather than "below the first".
     */
    private static final int[] RATES = {100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 6000, 8000, 12000,
            16000, 24000, 32000, 48000, 64000, 96000};
    /** How long the backlog of a step (or of the warm-up) may take to drain before the next measurement. */
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(5);
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(3);

    record Step(int target, double achieved, Map<String, Long> lagMiddle, Map<String, Long> lagEnd, boolean kept,
                String reason) {}

    /** Latency at one load: end to end, and its parts from the event's own timestamps. */
    record LatencyRun(String label, int rate, Latencies total, Latencies toCollector, Latencies enriching,
                      Latencies indexing, Latencies toBulk, List<Probe> probes, long notFound) {
        /** The slowest probes, slowest first, so that a long tail can be matched with what happened then. */
        List<Probe> slowest(int n) {
            synchronized (probes) {
                return probes.stream().sorted(java.util.Comparator.comparingLong(Probe::totalMs).reversed()).limit(n)
                        .toList();
            }
        }
    }

    /** One probe event's times: when it was sent, and how long each part took (-1 when not stamped). */
    record Probe(Instant sentAt, long totalMs, long collectorMs, long enricherMs, long toBulkMs, long afterBulkMs) {}

    record Standalone(String stage, long events, double seconds) {
        double rate() {
            return events / seconds;
        }
    }

    private record LagSample(long nanos, Map<String, Long> lags) {}

    public static void main(String[] args) throws Exception {
        run(args);
        // Threads of the clients and services may linger after the platform stopped.
        System.exit(0);
    }

    /** Runs in a data directory of its own, deleted at the end (0.3–1.3 GB) unless BENCH_KEEP_DATA is set. */
    private static void run(String[] args) throws Exception {
        Path dataDir = Files.createTempDirectory("noexcuses-bench-pipeline-");
        try {
            run(args, dataDir);
        } finally {
            if (System.getenv("BENCH_KEEP_DATA") != null) {
                System.out.println("The run's data is kept in " + dataDir + " (BENCH_KEEP_DATA)");
            } else {
                try {
                    FileTrees.delete(dataDir);
                } catch (IOException e) {
                    System.out.println("Could not delete all of " + dataDir + ": " + e);
                }
            }
        }
    }

    private static void run(String[] args, Path dataDir) throws Exception {
        // "probe RATE SECONDS": only the warm-up and one latency probe, for looking into a latency's tail.
        boolean probeOnly = args.length > 0 && args[0].equals("probe");
        int probeRate = probeOnly && args.length > 1 ? Integer.parseInt(args[1]) : 0;
        int probeSeconds = probeOnly && args.length > 2 ? Integer.parseInt(args[2]) : 120;
        int stepSeconds = !probeOnly && args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("platform.data-dir", dataDir.toString());
        for (String key : List.of("kafka.port", "kafka.controller-port", "opensearch.port", "opensearch.transport-port",
                "postgres.port", "s3.port", "redis.port")) {
            settings.put("local-infra." + key, String.valueOf(LocalInfra.freePort()));
        }
        int apiPort = LocalInfra.freePort();
        settings.put("collector.port", "0");
        settings.put("collector.admin.port", "0");
        settings.put("enrichment-api.port", String.valueOf(apiPort));
        settings.put("enricher.api.url", "http://127.0.0.1:" + apiPort);
        settings.put("enricher.admin.port", "0");
        settings.put("realtime-loader.admin.port", "0");
        settings.put("batch-loader.admin.port", "0");
        // The console would add its own Kafka and OpenSearch polling to what is measured.
        settings.put("console.enabled", "false");
        settings.put("batch-loader.flush.max-age", "2s");
        // The simulator relays its visitors' addresses as the demo does; the city database is the real one.
        settings.put("collector.trusted-proxies.0", "127.0.0.1/32");
        settings.put("enricher.enrichments.geoip.database", String.join(",",
                RealisticEvents.cityDatabase().stream().map(Path::toString).toList()));
        Config config = PlatformConfig.defaults(settings);
        System.out.printf("Pipeline benchmark: steps of %d s, %d cores, data in %s%n", stepSeconds,
                Runtime.getRuntime().availableProcessors(), dataDir);
        try (PlatformRuntime runtime = PlatformRuntime.start(config, dataDir, new PrintStream(
                java.io.OutputStream.nullOutputStream()))) {
            // A run stopped with Ctrl-C or kill stops the embedded servers too, instead of leaving them running.
            Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "pipeline-benchmark-stop"));
            Config services = runtime.serviceConfig();
            Instant runStart = Instant.now();
            Set<String> accepted = ConcurrentHashMap.newKeySet();
            long[] rejected = new long[1];
            List<Step> steps = new ArrayList<>();
            List<LatencyRun> latencies = new ArrayList<>();
            int ceiling = 0;
            try (Admin admin = Admin.create(KafkaClients.base(services));
                 EventClient client = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key")
                         .batchSize(100).linger(Duration.ofMillis(20)).senders(4).maxQueuedEvents(50_000).build()) {
                System.out.printf("warm-up: %d s at 1,000 events/s%n", stepSeconds);
                SimulationRun.Summary warm = new SimulationRun(new WebShopSimulator(1000, "web-shop", 20_000, 0.02, 0.01),
                        client, null).run(0, Duration.ofSeconds(stepSeconds), 1000);
                accepted.addAll(warm.acceptedIds());
                rejected[0] += warm.rejected();
                // The warm-up's rate may be above what the platform sustains: its backlog is worked off
                // before the first probe, which would otherwise measure the queue.
                awaitDrained(admin, "the warm-up's backlog");
                if (probeOnly) {
                    latency("probe", probeRate, Duration.ofSeconds(probeSeconds), runtime, services, admin, client,
                            accepted, rejected);
                    printStageTimers(runtime);
                    return;
                }

                latencies.add(latency("low rate", 100, runtime, services, admin, client, accepted, rejected));
                latencies.add(latency("demo rate", 1000, runtime, services, admin, client, accepted, rejected));

                long seed = 1;
                for (int rate : RATES) {
                    awaitDrained(admin, "the previous step's backlog");
                    List<LagSample> samples = new CopyOnWriteArrayList<>();
                    AtomicBoolean sampling = new AtomicBoolean(true);
                    Thread sampler = new Thread(() -> {
                        while (sampling.get()) {
                            try {
                                samples.add(new LagSample(System.nanoTime(), lags(admin)));
                                Thread.sleep(500);
                            } catch (Exception e) {
                                return;
                            }
                        }
                    });
                    long stepStart = System.nanoTime();
                    sampler.start();
                    SimulationRun.Summary s = new SimulationRun(new WebShopSimulator(seed++, "web-shop", 20_000, 0.02,
                            0.01), client, null).run(0, Duration.ofSeconds(stepSeconds), rate);
                    long stepEnd = System.nanoTime();
                    samples.add(new LagSample(stepEnd, lags(admin)));
                    sampling.set(false);
                    sampler.join();
                    accepted.addAll(s.acceptedIds());
                    rejected[0] += s.rejected();
                    double achieved = (s.accepted() + s.rejected()) / (s.elapsed().toMillis() / 1000.0);
                    Map<String, Long> middle = leastLagBefore(samples, stepStart + (stepEnd - stepStart) / 2);
                    Map<String, Long> end = leastLagBefore(samples, stepEnd);
                    String reason = keepsUp(rate, achieved, s, middle, end);
                    steps.add(new Step(rate, achieved, middle, end, reason == null, reason));
                    System.out.printf(Locale.ROOT, "  %,6d/s target: achieved %,.0f/s, lag mid %s, end %s -> %s%n", rate,
                            achieved, middle, end, reason == null ? "keeps up" : "falls behind (" + reason + ")");
                    if (reason != null) {
                        break;
                    }
                    ceiling = rate;
                }
                int half = Math.max(100, ceiling / 2);
                System.out.printf("ceiling: %,d events/s; latency at half: %,d events/s%n", ceiling, half);
                latencies.add(latency("half the ceiling", half, runtime, services, admin, client, accepted, rejected));
            }
            awaitDrainedQuietly(services);
            List<StageCheck> checks = reconcile(services, runStart, accepted, rejected[0]);
            List<Standalone> standalone = standaloneRates(services, 100_000);
            report(steps, ceiling, latencies, standalone, checks);
        }
    }

    private static LatencyRun latency(String label, int rate, PlatformRuntime runtime, Config services, Admin admin,
                                      EventClient client, Set<String> accepted, long[] rejected) throws Exception {
        return latency(label, rate, Duration.ofSeconds(30), runtime, services, admin, client, accepted, rejected);
    }

    private static LatencyRun latency(String label, int rate, Duration duration, PlatformRuntime runtime,
                                      Config services, Admin admin, EventClient client, Set<String> accepted,
                                      long[] rejected) throws Exception {
        awaitDrained(admin, "the backlog before the latency probe");
        LatencyRun run = new LatencyRun(label, rate, new Latencies(300), new Latencies(300), new Latencies(300),
                new Latencies(300), new Latencies(300), java.util.Collections.synchronizedList(new ArrayList<>()), 0);
        long[] notFound = new long[1];
        Thread probe = new Thread(() -> notFound[0] = probeLatency(runtime, services, duration, run));
        probe.start();
        SimulationRun.Summary load = new SimulationRun(new WebShopSimulator(rate, "web-shop", 20_000, 0.02, 0.01),
                client, null).run(0, duration, rate);
        probe.join();
        accepted.addAll(load.acceptedIds());
        rejected[0] += load.rejected();
        LatencyRun done = new LatencyRun(label, rate, run.total(), run.toCollector(), run.enriching(), run.indexing(),
                run.toBulk(), run.probes(), notFound[0]);
        System.out.printf(Locale.ROOT, "latency at %,d/s (%s): p50 %.0f ms, p99 %.0f ms (collector %.0f/%.0f, "
                        + "enricher %.0f/%.0f, loader+refresh %.0f/%.0f of which to the bulk request %.0f/%.0f ms"
                        + " p50/p99), %d not found%n", rate, label,
                done.total().percentileMs(50), done.total().percentileMs(99), done.toCollector().percentileMs(50),
                done.toCollector().percentileMs(99), done.enriching().percentileMs(50), done.enriching().percentileMs(99),
                done.indexing().percentileMs(50), done.indexing().percentileMs(99), done.toBulk().percentileMs(50),
                done.toBulk().percentileMs(99), done.notFound());
        for (Probe p : done.slowest(5)) {
            System.out.printf(Locale.ROOT, "    slow probe sent %s: %,d ms (collector %d, enricher %d, to the bulk %d,"
                    + " bulk and refresh %d)%n", p.sentAt(), p.totalMs(), p.collectorMs(), p.enricherMs(), p.toBulkMs(),
                    p.afterBulkMs());
        }
        return done;
    }

    /**
     * The services' own latency quantiles and cache hits (their /metrics), e.g. the realtime loader's bulk round
     * trips and the enricher's user-agent cache.
     */
    private static void printStageTimers(PlatformRuntime runtime) {
        HttpClient http = HttpClient.newHttpClient();
        for (var service : runtime.services()) {
            String url = service.endpoints().get("metrics");
            if (url == null) {
                continue;
            }
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                // The services' own timers and caches; the HTTP servers' and clients' generic ones would drown them.
                body.lines().filter(l -> !l.startsWith("#") && (l.startsWith("cache_gets_total") || l.contains("quantile=")
                                && !l.startsWith("armeria_") && !l.contains("_api_client_") && !l.startsWith("jvm_")))
                        .forEach(l -> System.out.printf("  %s: %s%n", service.name(), l));
            } catch (Exception e) {
                System.out.printf("  %s: metrics not read (%s)%n", service.name(), e);
            }
        }
    }

    /** Each group's least lag among the samples of the 3 s up to {@code nanos}. */
    private static Map<String, Long> leastLagBefore(List<LagSample> samples, long nanos) {
        Map<String, Long> least = new LinkedHashMap<>();
        for (LagSample s : samples) {
            if (s.nanos() <= nanos && s.nanos() >= nanos - WINDOW_NANOS) {
                s.lags().forEach((group, lag) -> least.merge(group, lag, Math::min));
            }
        }
        if (least.isEmpty()) {
            // No sample in the window (a slow admin call): the latest before it.
            samples.stream().filter(s -> s.nanos() <= nanos).reduce((a, b) -> b)
                    .ifPresent(s -> least.putAll(s.lags()));
        }
        return least;
    }

    private static String keepsUp(int rate, double achieved, SimulationRun.Summary s, Map<String, Long> middle,
                                  Map<String, Long> end) {
        if (s.failed() > 0) {
            return "collector: " + s.failed() + " events not delivered";
        }
        if (achieved < rate * 0.95) {
            return String.format(Locale.ROOT, "collector took %.0f/s", achieved);
        }
        for (String group : GROUPS) {
            long m = middle.getOrDefault(group, 0L);
            long e = end.getOrDefault(group, 0L);
            if (e > m + rate) {
                return group + " lag grew " + m + " -> " + e + " (more than one second of input)";
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

    /** Waits (up to {@link #DRAIN_LIMIT}) until every stage has worked off its lag, and says how long it took. */
    private static void awaitDrained(Admin admin, String what) throws Exception {
        long start = System.nanoTime();
        long deadline = start + DRAIN_LIMIT.toNanos();
        Map<String, Long> lags = lags(admin);
        while (System.nanoTime() < deadline) {
            // Transaction markers keep a few offsets of lag on the enricher's input; "drained" tolerates them.
            if (lags.values().stream().allMatch(l -> l < 50)) {
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
                if (seconds >= 2) {
                    System.out.printf("  drained %s in %d s%n", what, seconds);
                }
                return;
            }
            Thread.sleep(1000);
            lags = lags(admin);
        }
        System.out.printf("  %s not drained after %d s (lags %s): the next figure includes it%n", what,
                DRAIN_LIMIT.toSeconds(), lags);
    }

    /** A probe event handed to the collector and not yet found in the index. */
    private record Pending(long sentNanos, Instant sentAt) {}

    /**
     * Sends one marked event every 100 ms while one poller searches the index every 50 ms for all the
     * events not yet found, in one query: the time from handing an event to the collector to the first
     * search that finds it, and its parts from the document's own timestamps (collector received_at,
     * enricher enriched_at, loader sent_at; one clock here). One query per poll keeps the probe's own
     * load at 20 searches/s whatever the latency (a poller per event added 20 searches/s per event in
     * flight: hundreds per second once latency grew, which slowed OpenSearch and the cores further).
     */
    private static long probeLatency(PlatformRuntime runtime, Config services, Duration duration, LatencyRun run) {
        String url = services.getString("opensearch.url");
        HttpClient http = HttpClient.newHttpClient();
        Map<String, Pending> pending = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicLong notFound = new AtomicLong();
        Thread poller = new Thread(() -> {
            while (sending.get() || !pending.isEmpty()) {
                long pollStart = System.nanoTime();
                if (!pending.isEmpty()) {
                    Map<String, JsonNode> hits = find(http, url, List.copyOf(pending.keySet()));
                    long t1 = System.nanoTime();
                    Instant foundAt = Instant.now();
                    hits.forEach((id, source) -> {
                        Pending p = pending.remove(id);
                        if (p != null) {
                            record(run, source, t1 - p.sentNanos(), p.sentAt(), foundAt);
                        }
                    });
                    long giveUp = t1 - TimeUnit.SECONDS.toNanos(30);
                    pending.values().removeIf(p -> {
                        boolean expired = p.sentNanos() < giveUp;
                        if (expired) {
                            notFound.incrementAndGet();
                        }
                        return expired;
                    });
                }
                long sleepMs = 50 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pollStart);
                try {
                    Thread.sleep(Math.max(1, sleepMs));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "latency-probe-poller");
        poller.start();
        // The SDK's senders each wait for their request's answer: with one sender and one event per
        // request, a probe event queued behind the one before whenever a round trip took over 100 ms,
        // and that wait, which grew with each event, was counted as the collector's. Two senders and
        // batches taking whatever is queued bound the wait to one round trip, as for any SDK user.
        try (EventClient probe = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key")
                .batchSize(100).linger(Duration.ZERO).senders(2).build()) {
            long end = System.nanoTime() + duration.toNanos();
            while (System.nanoTime() < end) {
                ObjectNode event = Json.mapper().createObjectNode();
                String id = java.util.UUID.randomUUID().toString();
                event.put("event_id", id).put("schema", "com.webshop/page_view/1-0-0")
                        .put("event_time", Instant.now().toString()).put("source", "web-shop")
                        .put("anonymous_id", "probe").putObject("data").put("url", "https://shop.example.com/")
                        .put("page_type", "home");
                pending.put(id, new Pending(System.nanoTime(), Instant.now()));
                probe.send(event);
                Thread.sleep(100);
            }
            sending.set(false);
            poller.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return notFound.get();
    }

    private static void record(LatencyRun run, JsonNode source, long totalNanos, Instant sentAt, Instant foundAt) {
        run.total().add(totalNanos);
        Instant received = Instant.parse(source.at("/collector/received_at").asText());
        Instant enriched = Instant.parse(source.at("/enrichments/enriched_at").asText());
        run.toCollector().add(Math.max(0, Duration.between(sentAt, received).toNanos()));
        run.enriching().add(Math.max(0, Duration.between(received, enriched).toNanos()));
        run.indexing().add(Math.max(0, Duration.between(enriched, foundAt).toNanos()));
        // The loader stamps its bulk request: before it, the enricher's commit, the loader's read and
        // its wait; after it, the bulk and OpenSearch's refresh.
        JsonNode sentAtBulk = source.at("/loader/sent_at");
        long toBulkMs = -1;
        long afterBulkMs = -1;
        if (sentAtBulk.isTextual()) {
            Instant bulk = Instant.parse(sentAtBulk.asText());
            run.toBulk().add(Math.max(0, Duration.between(enriched, bulk).toNanos()));
            toBulkMs = Duration.between(enriched, bulk).toMillis();
            afterBulkMs = Duration.between(bulk, foundAt).toMillis();
        }
        run.probes().add(new Probe(sentAt, TimeUnit.NANOSECONDS.toMillis(totalNanos),
                Duration.between(sentAt, received).toMillis(), Duration.between(received, enriched).toMillis(), toBulkMs,
                afterBulkMs));
    }

    /** The documents among {@code ids} that a search finds now, by id (none when the search fails). */
    private static Map<String, JsonNode> find(HttpClient http, String url, List<String> ids) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        try {
            ObjectNode body = Json.mapper().createObjectNode();
            body.put("size", ids.size());
            body.putArray("_source").add("collector.received_at").add("enrichments.enriched_at").add("loader.sent_at");
            var values = body.putObject("query").putObject("ids").putArray("values");
            ids.forEach(values::add);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/events-enriched-*/_search"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().writeValueAsString(body)))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode hit : Json.mapper().readTree(r.body()).path("hits").path("hits")) {
                found.put(hit.path("_id").asText(), hit.get("_source"));
            }
        } catch (Exception e) {
            // A failed poll finds nothing; the next one asks again.
        }
        return found;
    }

    private static void awaitDrainedQuietly(Config services) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.base(services))) {
            awaitDrained(admin, "the run's last events");
        }
    }

    private static List<StageCheck> reconcile(Config services, Instant runStart, Set<String> accepted, long rejected)
            throws Exception {
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
        return checks;
    }

    /**
     * Each stage alone, in this run, on this machine, with the platform's own services idle: the
     * enricher over {@code n} pre-loaded raw events (the simulator's visitors), then each loader over
     * the enricher's output, each on its own topics, group, index prefix or tables.
     */
    private static List<Standalone> standaloneRates(Config services, int n) throws Exception {
        String raw = "bench.alone.raw";
        String enriched = "bench.alone.enriched";
        String dlq = "bench.alone.enriched.dlq";
        int partitions = services.getInt("kafka.topics.partitions");
        try (Admin admin = Admin.create(KafkaClients.base(services))) {
            admin.createTopics(List.of(new NewTopic(raw, partitions, (short) 1), new NewTopic(enriched, partitions, (short) 1),
                    new NewTopic(dlq, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            dev.noexcuses.infra.kafka.TopicSetup.awaitLeaders(admin, List.of(raw, enriched, dlq));
        }
        WebShopSimulator simulator = new WebShopSimulator(4242, "web-shop", 20_000, 0, 0);
        // One batch in flight: on a topic created a moment ago the first batches may meet a leader not yet
        // in place (NOT_LEADER_OR_FOLLOWER), and with five in flight their retries came after later batches
        // and were refused as out of order for good (OUT_OF_ORDER_SEQUENCE_NUMBER, retried without end).
        var preload = KafkaClients.reliableProducer(services, "bench-alone-loader", 120_000);
        preload.put("max.in.flight.requests.per.connection", "1");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(preload)) {
            awaitProducerLeaders(producer, raw, partitions);
            for (int i = 0; i < n; i++) {
                EventEnvelope envelope = RealisticEvents.envelope(simulator.next(), i);
                producer.send(new ProducerRecord<>(raw, envelope.partitionKey(), Json.toBytes(envelope)));
            }
            producer.flush();
        }
        List<Standalone> results = new ArrayList<>();
        Path state = Files.createTempDirectory("bench-alone-enricher-");
        Config enricher = ConfigFactory.parseMap(Map.of("enricher.application-id", "bench-alone-enricher",
                "enricher.state-dir", state.toString(), "enricher.topics.input", raw, "enricher.topics.output", enriched,
                "enricher.topics.dlq", dlq, "enricher.admin.port", "-1")).withFallback(services);
        try (EnricherApp app = EnricherApp.start(enricher)) {
            results.add(untilProcessed("enricher", n, () -> app.metrics().enrichedCount() + app.metrics().failedCount()
                    + app.metrics().duplicateCount()));
        }
        Config realtime = ConfigFactory.parseString("""
                realtime-loader { group-id = "bench-alone-realtime-loader", admin.port = 0
                  topics { enriched = "%s", failed = ["%s"] }
                  index { enriched-prefix = "bench-alone-enriched-", failed-prefix = "bench-alone-failed-" } }"""
                .formatted(enriched, dlq)).withFallback(services);
        try (RealtimeLoader loader = RealtimeLoader.start(realtime)) {
            results.add(untilCommitted("realtime loader", services, "bench-alone-realtime-loader", List.of(enriched, dlq),
                    () -> loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED)
                            + loader.metrics().indexedCount(IndexDocument.Kind.FAILED) + loader.metrics().rejectedCount()));
        }
        Config batch = ConfigFactory.parseString("""
                batch-loader { group-id = "bench-alone-batch-loader", admin.port = 0, flush.max-age = 2s
                  topics { enriched = "%s", failed = ["%s"] }
                  tables { enriched-events = "bench_alone.enriched_events", failed-events = "bench_alone.failed_events" } }"""
                .formatted(enriched, dlq)).withFallback(services);
        try (BatchLoader loader = BatchLoader.start(batch)) {
            results.add(untilCommitted("batch loader", services, "bench-alone-batch-loader", List.of(enriched, dlq),
                    () -> (long) loader.metrics().registry().find("batch_loader_records_consumed_total").counters()
                            .stream().mapToDouble(Counter::count).sum()));
        }
        return results;
    }

    /** Waits (up to a minute) until the producer's own metadata has a leader for every partition of {@code topic}. */
    private static void awaitProducerLeaders(KafkaProducer<String, byte[]> producer, String topic, int partitions)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline) {
            var info = producer.partitionsFor(topic);
            if (info.size() == partitions && info.stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("No leader for every partition of " + topic + " after a minute");
    }

    /** Events per second from the first processed event to the last. */
    private static Standalone untilProcessed(String stage, long n, java.util.function.LongSupplier processed)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (processed.getAsLong() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        long first = processed.getAsLong();
        long t0 = System.nanoTime();
        while (processed.getAsLong() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Standalone result = new Standalone(stage, processed.getAsLong() - first, (System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "standalone %s: %,.0f events/s%n", stage, result.rate());
        return result;
    }

    /**
     * Events per second of a loader: the events it read, from its first read until its consumer group has
     * committed everything on {@code topics}. Timed from the first read, not from the first commit: a loader
     * that commits seldom (the batch loader, once per flush) may commit everything at once.
     */
    private static Standalone untilCommitted(String stage, Config services, String group, List<String> topics,
                                             LongSupplier read) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.base(services))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            long end = endOffsets(admin, topics);
            while (read.getAsLong() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            long first = read.getAsLong();
            long t0 = System.nanoTime();
            while (System.nanoTime() < deadline) {
                if (end - committed(admin, group) < 50) {
                    Standalone result = new Standalone(stage, read.getAsLong() - first, (System.nanoTime() - t0) / 1e9);
                    System.out.printf(Locale.ROOT, "standalone %s: %,.0f events/s%n", stage, result.rate());
                    return result;
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException(stage + " did not finish its standalone run in 10 minutes");
        }
    }

    /** The sum of the end offsets of every partition of {@code topics} (transaction markers included). */
    private static long endOffsets(Admin admin, List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().forEach(d ->
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
                .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
    }

    /** The sum of a group's committed offsets (0 before its first commit). */
    private static long committed(Admin admin, String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                .values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
    }

    private static void report(List<Step> steps, int ceiling, List<LatencyRun> latencies, List<Standalone> standalone,
                               List<StageCheck> checks) {
        System.out.println();
        System.out.println("| target events/s | achieved events/s | lag at mid-step | lag at end | result |");
        System.out.println("|---:|---:|---|---|---|");
        for (Step s : steps) {
            System.out.printf(Locale.ROOT, "| %,d | %,.0f | %s | %s | %s |%n", s.target(), s.achieved(), s.lagMiddle(),
                    s.lagEnd(), s.kept() ? "keeps up" : "falls behind: " + s.reason());
        }
        System.out.println();
        System.out.println("| rate | events/s |");
        System.out.println("|---|---:|");
        System.out.printf(Locale.ROOT, "| whole path ceiling (every stage keeps up) | %,d |%n", ceiling);
        for (Standalone s : standalone) {
            System.out.printf(Locale.ROOT, "| %s alone (%,d events in %.1f s) | %,.0f |%n", s.stage(), s.events(),
                    s.seconds(), s.rate());
        }
        System.out.println();
        System.out.println("| load | events/s | p50 ms | p99 ms | collector p50/p99 | enricher p50/p99 | loader + refresh p50/p99 | of which to the bulk request | probes found / not |");
        System.out.println("|---|---:|---:|---:|---|---|---|---|---|");
        for (LatencyRun l : latencies) {
            System.out.printf(Locale.ROOT, "| %s | %,d | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %d / %d |%n",
                    l.label(), l.rate(), l.total().percentileMs(50), l.total().percentileMs(99),
                    l.toCollector().percentileMs(50), l.toCollector().percentileMs(99), l.enriching().percentileMs(50),
                    l.enriching().percentileMs(99), l.indexing().percentileMs(50), l.indexing().percentileMs(99),
                    l.toBulk().percentileMs(50), l.toBulk().percentileMs(99), l.total().count(), l.notFound());
        }
        System.out.println();
        System.out.println("Reconciliation of every event of the run:");
        for (StageCheck c : checks) {
            System.out.printf(Locale.ROOT, "  %-46s expected %,d found %,d missing %,d duplicated %,d%n", c.stage(),
                    c.expected(), c.found(), c.missing(), c.duplicated());
        }
    }
}
