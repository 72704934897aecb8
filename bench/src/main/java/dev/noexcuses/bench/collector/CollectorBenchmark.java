package dev.noexcuses.bench.collector;

import static dev.noexcuses.bench.Rounds.median;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.typesafe.config.Config;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import io.micrometer.core.instrument.FunctionCounter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Collector throughput against a raw Kafka producer doing the same work: the same events (as the
 * envelopes the collector writes), the collector's own producer settings (acks, idempotence,
 * linger, in-flight requests, compression, timeouts), and as many concurrent senders, each waiting
 * for Kafka's acknowledgement of its whole batch before sending the next, as the collector's clients
 * have requests in flight. Baseline and collector modes alternate (A/B/A/B) over several runs; the
 * report gives the median and the spread, with errors and producer retries. Then single-event POSTs
 * at a fixed 5,000 requests/s from {@link FixedRateGenerator} in a JVM of its own, against the collector and
 * nginx answering 204 (p99), and, when wrk and nginx are installed, wrk with 64 connections against both.
 *
 * <p>Run: {@code ./bench/run collector [events per mode] [runs]}.
 */
public final class CollectorBenchmark {
    private static final String KEY = "local-dev-key";
    private static final int SENDERS = 32;
    private static final int BATCH = 100;

    record Result(String mode, long events, double seconds, Latencies latencies, long errors, long retries) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("wrk")) {
            wrkOnly(args.length > 1 ? Integer.parseInt(args[1]) : 5);
            System.exit(0);
        }
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Config base = PlatformConfig.defaults(Map.of("collector.port", "0", "collector.admin.port", "0"));
        System.out.printf("Collector benchmark: %,d events per mode, %d runs, %d senders, %d cores%n", events, runs,
                SENDERS, Runtime.getRuntime().availableProcessors());
        try (LocalInfra infra = LocalInfra.forTests(base).start("kafka")) {
            Config config = infra.serviceConfig(base);
            List<ObjectNode> sample = generate(events);
            Map<String, List<Result>> byMode = new LinkedHashMap<>();
            try (CollectorServer collector = CollectorServer.start(config);
                 ClientFactory factory = loadGeneratorClients()) {
                // HTTP/1.1, one keep-alive connection per sender (Armeria's HTTP/1 client does not
                // pipeline): every sender is a client of its own, as SDK instances and browsers are, and no
                // sender's request queues behind another's frames on a shared HTTP/2 connection.
                String url = "h1c://127.0.0.1:" + collector.port();
                Properties producer = collectorProducerSettings(config);
                System.out.println("Producer settings (collector and baseline): " + producer.entrySet().stream()
                        .filter(e -> !String.valueOf(e.getKey()).contains("serializer")
                                && !String.valueOf(e.getKey()).equals("bootstrap.servers"))
                        .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList());
                // Warm-up of every path (JIT, connections, broker), not reported.
                rawProducer(producer, sample.subList(0, Math.min(20_000, events)), BATCH);
                rest(url, factory, sample.subList(0, Math.min(20_000, events)), BATCH, collector);
                rest(url, factory, sample.subList(0, Math.min(5_000, events)), 1, collector);
                rawProducer(producer, sample.subList(0, Math.min(5_000, events)), 1);
                int singles = Math.max(2_000, events / 10);
                for (int run = 1; run <= runs; run++) {
                    System.out.printf("Run %d of %d%n", run, runs);
                    add(byMode, rawProducer(producer, sample, BATCH));
                    add(byMode, rest(url, factory, sample, BATCH, collector));
                    add(byMode, rawProducer(producer, sample.subList(0, singles), 1));
                    add(byMode, rest(url, factory, sample.subList(0, singles), 1, collector));
                }
                report(byMode);
                Optional<Nginx204> nginx = Nginx204.startIfInstalled();
                try {
                    // The fixed-rate generator runs in a JVM of its own, against nginx and the collector.
                    System.out.println("\nSingle-event POSTs at a fixed rate (./bench/run collector-rate for the curve):");
                    CollectorRateBenchmark.compare(URI.create("http://127.0.0.1:" + collector.port() + "/v1/events"),
                            nginx.map(n -> URI.create(n.url("/v1/events"))),
                            CollectorRateBenchmark.writeBodies(sample.subList(0, Math.min(1_000, sample.size()))),
                            List.of(CollectorRateBenchmark.GOAL_RATE), Duration.ofSeconds(15), 1, false);
                    wrkAgainstNginx("http://127.0.0.1:" + collector.port(), nginx, sample.get(0), 3);
                } finally {
                    if (nginx.isPresent()) {
                        nginx.get().close();
                    }
                }
                wrkBatchesAgainstRawProducer("http://127.0.0.1:" + collector.port(), producer, sample, runs);
            }
        }
        System.exit(0);
    }

    /**
     * The load generator's clients, on event loops of their own: on Armeria's common worker group they
     * would share the collector's event loops, and its requests would queue behind the generator's
     * callbacks (and the other way round). Two loops, one per core; each connection stays on one.
     */
    private static ClientFactory loadGeneratorClients() {
        return ClientFactory.builder()
                .workerGroup(EventLoopGroups.newEventLoopGroup(2), true)
                .maxNumEventLoopsPerEndpoint(2)
                .build();
    }

    /** The collector's producer settings, exactly: taken from the collector itself. */
    private static Properties collectorProducerSettings(Config config) {
        Properties props = CollectorServer.producerProperties(config);
        props.put("client.id", "bench-baseline");
        return props;
    }

    private static void add(Map<String, List<Result>> byMode, Result r) {
        System.out.printf(Locale.ROOT, "  %-40s %,12.0f events/s  p99 %.1f ms  errors %d  retries %d%n", r.mode(),
                r.eventsPerSecond(), r.latencies().percentileMs(99), r.errors(), r.retries());
        byMode.computeIfAbsent(r.mode(), m -> new ArrayList<>()).add(r);
    }

    /** {@code n} simulator events, the same for every collector benchmark. */
    static List<ObjectNode> generate(int n) {
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 1000, 0, 0);
        List<ObjectNode> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(simulator.next().event());
        }
        return events;
    }

    /**
     * The baseline: {@link #SENDERS} senders, each sending {@code batch} records (the envelopes the
     * collector would write) and waiting for all their acknowledgements before its next batch.
     */
    static Result rawProducer(Properties settings, List<ObjectNode> events, int batch) throws Exception {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        CollectorMetadata metadata = new CollectorMetadata(Instant.now(), "bench", "r", "127.0.0.1", "bench",
                "web-shop", "rest");
        for (ObjectNode e : events) {
            EventEnvelope env = new EventEnvelope(e.get("event_id").asText(), e.get("schema").asText(),
                    Instant.parse(e.get("event_time").asText()), e.get("source").asText(),
                    e.path("user_id").asText(null), e.path("anonymous_id").asText(null), e.get("data"), metadata, null);
            records.add(new ProducerRecord<>(Topics.RAW, env.partitionKey(), Json.toBytes(env)));
        }
        int batches = (records.size() + batch - 1) / batch;
        Latencies latencies = new Latencies(batches);
        AtomicLong errors = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings)) {
            long retriesBefore = metric(producer, "record-retry-total");
            long t0 = System.nanoTime();
            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                Thread t = new Thread(() -> {
                    int b;
                    while ((b = next.getAndIncrement()) < batches) {
                        List<ProducerRecord<String, byte[]>> slice = records.subList(b * batch,
                                Math.min(records.size(), (b + 1) * batch));
                        CountDownLatch acked = new CountDownLatch(slice.size());
                        long start = System.nanoTime();
                        for (ProducerRecord<String, byte[]> r : slice) {
                            producer.send(r, (m, e) -> {
                                if (e != null) {
                                    errors.incrementAndGet();
                                }
                                acked.countDown();
                            });
                        }
                        try {
                            acked.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        latencies.add(System.nanoTime() - start);
                    }
                }, "baseline-sender-" + s);
                t.start();
                senders.add(t);
            }
            for (Thread t : senders) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Result("raw producer, " + label(batch), records.size(), secs, latencies, errors.get(),
                    metric(producer, "record-retry-total") - retriesBefore);
        }
    }

    /** {@link #SENDERS} requests in flight, each a batch (a JSON array) or one event. */
    static Result rest(String url, ClientFactory factory, List<ObjectNode> events, int batch, CollectorServer collector)
            throws InterruptedException {
        WebClient client = WebClient.builder(url).factory(factory).responseTimeout(Duration.ofSeconds(60)).build();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < events.size(); i += batch) {
            List<ObjectNode> slice = events.subList(i, Math.min(events.size(), i + batch));
            if (batch == 1) {
                bodies.add(Json.toBytes(slice.get(0)));
            } else {
                ArrayNode array = Json.mapper().createArrayNode();
                slice.forEach(array::add);
                bodies.add(Json.toBytes(array));
            }
        }
        RequestHeaders headers = RequestHeaders.builder(HttpMethod.POST, "/v1/events")
                .contentType(MediaType.JSON_UTF_8).set("x-write-key", KEY).build();
        Latencies latencies = new Latencies(bodies.size());
        AtomicLong errors = new AtomicLong();
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(SENDERS);
        long retriesBefore = collectorRetries(collector);
        long t0 = System.nanoTime();
        for (int s = 0; s < SENDERS; s++) {
            sendNext(client, headers, bodies, next, latencies, errors, done);
        }
        done.await();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result("collector REST, " + label(batch), events.size(), secs, latencies, errors.get(),
                collectorRetries(collector) - retriesBefore);
    }

    /** One sender: the next body once the previous answer is in, like a client waiting for its 200. */
    private static void sendNext(WebClient client, RequestHeaders headers, List<byte[]> bodies, AtomicInteger next,
                                 Latencies latencies, AtomicLong errors, CountDownLatch done) {
        int i = next.getAndIncrement();
        if (i >= bodies.size()) {
            done.countDown();
            return;
        }
        long start = System.nanoTime();
        client.execute(HttpRequest.of(headers, HttpData.wrap(bodies.get(i)))).aggregate().whenComplete((r, t) -> {
            if (t != null || r.status().code() != 200) {
                errors.incrementAndGet();
            }
            latencies.add(System.nanoTime() - start);
            sendNext(client, headers, bodies, next, latencies, errors, done);
        });
    }

    /**
     * {@code ./bench/run collector wrk [rounds]}: only the single-event comparison with nginx under wrk, after
     * a 40 s wrk warm-up of the collector (JIT, connections, the broker's log), for trying a setting quickly,
     * e.g. {@code BENCH_JAVA_OPTS="-Dcollector.kafka-linger=0ms"}.
     */
    private static void wrkOnly(int rounds) throws Exception {
        Config base = PlatformConfig.defaults(Map.of("collector.port", "0", "collector.admin.port", "0"));
        System.out.printf("Collector against nginx under wrk: %d rounds, %d cores%n", rounds,
                Runtime.getRuntime().availableProcessors());
        try (LocalInfra infra = LocalInfra.forTests(base).start("kafka");
             CollectorServer collector = CollectorServer.start(infra.serviceConfig(base))) {
            Optional<Nginx204> nginx = Nginx204.startIfInstalled();
            try {
                ObjectNode event = generate(1).get(0);
                Path script = Files.createTempFile("bench-post", ".lua");
                Files.writeString(script, postScript(Json.mapper().writeValueAsString(event)));
                if (onPath("wrk")) {
                    System.out.println("warm-up: " + wrk("collector", "http://127.0.0.1:" + collector.port() + "/v1/events",
                            script, 64, 40).line());
                }
                wrkAgainstNginx("http://127.0.0.1:" + collector.port(), nginx, event, rounds);
            } finally {
                if (nginx.isPresent()) {
                    nginx.get().close();
                }
            }
        }
    }

    /**
     * wrk, 64 connections, against the collector (single-event POSTs) and nginx answering 204, alternating,
     * then the medians and the collector's ratio to nginx (by medians, and per round).
     */
    static void wrkAgainstNginx(String collectorUrl, Optional<Nginx204> nginx, ObjectNode event, int rounds)
            throws Exception {
        if (!onPath("wrk") || nginx.isEmpty()) {
            System.out.println("\nwrk or nginx is not installed (Debian: apt-get install wrk nginx-light): skipped.");
            return;
        }
        Path script = Files.createTempFile("bench-post", ".lua");
        Files.writeString(script, postScript(Json.mapper().writeValueAsString(event)));
        List<WrkRun> nginxRuns = new ArrayList<>();
        List<WrkRun> collectorRuns = new ArrayList<>();
        for (int run = 1; run <= rounds; run++) {
            nginxRuns.add(wrk("nginx 204", nginx.get().url("/v1/events"), script, 64, 10));
            collectorRuns.add(wrk("collector", collectorUrl + "/v1/events", script, 64, 10));
        }
        System.out.println("\nwrk -t2 -c64 -d10s, single-event POST (same body), alternating:");
        System.out.println("| target | requests/s | p50 | p99 | non-2xx or errors |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int i = 0; i < rounds; i++) {
            System.out.println(nginxRuns.get(i).line());
            System.out.println(collectorRuns.get(i).line());
        }
        double n = median(nginxRuns.stream().mapToDouble(WrkRun::requestsPerSecond).toArray());
        double c = median(collectorRuns.stream().mapToDouble(WrkRun::requestsPerSecond).toArray());
        List<String> pairwise = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            pairwise.add(String.format(Locale.ROOT, "%.2f",
                    collectorRuns.get(i).requestsPerSecond() / nginxRuns.get(i).requestsPerSecond()));
        }
        System.out.printf(Locale.ROOT, "collector %,.0f requests/s median, nginx %,.0f: %.2fx (per round %s)%n",
                c, n, c / n, String.join(", ", pairwise));
    }

    /** One wrk run: requests/s (0 when wrk printed none), and its p50, p99 and errors as wrk printed them. */
    record WrkRun(String target, double requestsPerSecond, String p50, String p99, String errors) {
        String line() {
            return String.format(Locale.ROOT, "| %s | %.0f | %s | %s | %s |", target, requestsPerSecond, p50, p99, errors);
        }
    }

    /**
     * Batches of 100 from wrk (32 connections, C, its own process) against the raw producer with 32
     * senders, alternating: the collector's batched rate without the in-process Armeria load generator,
     * which takes a share of the same cores that the raw producer's senders do not need.
     */
    static void wrkBatchesAgainstRawProducer(String collectorUrl, Properties producer, List<ObjectNode> sample, int runs)
            throws Exception {
        if (!onPath("wrk")) {
            return;
        }
        ArrayNode array = Json.mapper().createArrayNode();
        sample.subList(0, BATCH).forEach(array::add);
        Path script = Files.createTempFile("bench-batch", ".lua");
        Files.writeString(script, postScript(Json.mapper().writeValueAsString(array)));
        List<Double> collector = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        System.out.printf("%nwrk -t2 -c%d -d10s, batches of %d (the same body each time), alternating with the raw"
                + " producer (%d senders, batches of %d):%n", SENDERS, BATCH, SENDERS, BATCH);
        for (int run = 1; run <= runs; run++) {
            Result baseline = rawProducer(producer, sample, BATCH);
            raw.add(baseline.eventsPerSecond());
            WrkRun batches = wrk("collector, batches of " + BATCH, collectorUrl + "/v1/events", script, SENDERS, 10);
            System.out.printf(Locale.ROOT, "  raw producer %,.0f events/s p99 %.1f ms | wrk %s%n",
                    baseline.eventsPerSecond(), baseline.latencies().percentileMs(99), batches.line());
            collector.add(batches.requestsPerSecond() * BATCH);
        }
        double c = median(collector.stream().mapToDouble(Double::doubleValue).toArray());
        double r = median(raw.stream().mapToDouble(Double::doubleValue).toArray());
        System.out.printf(Locale.ROOT, "collector (wrk) %,.0f events/s median (%,.0f–%,.0f), raw producer %,.0f"
                        + " (%,.0f–%,.0f): %.2fx%n", c, collector.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                collector.stream().mapToDouble(Double::doubleValue).max().orElse(0), r,
                raw.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                raw.stream().mapToDouble(Double::doubleValue).max().orElse(0), c / r);
    }

    /** A wrk script posting {@code body} as JSON with the write key (a Lua long string: no escapes). */
    private static String postScript(String body) {
        return "wrk.method = \"POST\"\nwrk.body = [==[" + body + "]==]\n"
                + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                + "wrk.headers[\"X-Write-Key\"] = \"" + KEY + "\"\n";
    }

    private static WrkRun wrk(String target, String url, Path script, int connections, int seconds) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency", "-s",
                script.toString(), url)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        String rps = find(out, "Requests/sec:");
        String p50 = percentile(out, "50%");
        String p99 = percentile(out, "99%");
        String errors = out.lines().filter(l -> l.contains("Non-2xx") || l.contains("Socket errors"))
                .map(String::trim).reduce((a, b) -> a + "; " + b).orElse("0");
        return new WrkRun(target, rps.equals("?") ? 0 : Double.parseDouble(rps), p50, p99, errors);
    }

    private static String find(String out, String label) {
        return out.lines().filter(l -> l.trim().startsWith(label)).map(l -> l.trim().substring(label.length()).trim())
                .findFirst().orElse("?");
    }

    private static String percentile(String out, String label) {
        return out.lines().map(String::trim).filter(l -> l.startsWith(label + " ")).map(l -> l.substring(label.length()).trim())
                .findFirst().orElse("?");
    }

    private static boolean onPath(String command) {
        return Arrays.stream(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static long metric(KafkaProducer<?, ?> producer, String name) {
        return producer.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics"))
                .mapToLong(e -> (long) ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    /** Retries of the collector's own producer (its Kafka client metrics are in its registry). */
    private static long collectorRetries(CollectorServer collector) {
        return (long) collector.registry().find("kafka.producer.record.retry.total").functionCounters().stream()
                .mapToDouble(FunctionCounter::count).sum();
    }

    private static String label(int batch) {
        return batch == 1 ? "single events" : "batches of " + batch;
    }

    private static void report(Map<String, List<Result>> byMode) {
        double baseline = median(byMode.values().iterator().next().stream().mapToDouble(Result::eventsPerSecond).toArray());
        System.out.println();
        System.out.println("| mode | events/s median (min–max) | vs raw producer (median) | p50 ms | p99 ms | errors | producer retries |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Map.Entry<String, List<Result>> e : byMode.entrySet()) {
            double[] eps = e.getValue().stream().mapToDouble(Result::eventsPerSecond).toArray();
            medians.put(e.getKey(), median(eps));
        }
        for (Map.Entry<String, List<Result>> e : byMode.entrySet()) {
            List<Result> rs = e.getValue();
            double[] eps = rs.stream().mapToDouble(Result::eventsPerSecond).toArray();
            String kind = e.getKey().substring(e.getKey().indexOf(", ") + 2);
            double base = medians.getOrDefault("raw producer, " + kind, baseline);
            System.out.printf(Locale.ROOT, "| %s | %,.0f (%,.0f–%,.0f) | %.2f | %s | %s | %d | %d |%n", e.getKey(),
                    median(eps), Arrays.stream(eps).min().orElse(0), Arrays.stream(eps).max().orElse(0),
                    median(eps) / base,
                    range(rs.stream().mapToDouble(r -> r.latencies().percentileMs(50)).toArray()),
                    range(rs.stream().mapToDouble(r -> r.latencies().percentileMs(99)).toArray()),
                    rs.stream().mapToLong(Result::errors).sum(), rs.stream().mapToLong(Result::retries).sum());
        }
        System.out.println("\nRatios against the raw producer sending the same batch size; latency per request (baseline:"
                + " per batch, first send to last acknowledgement).");
    }

    private static String range(double[] values) {
        return String.format(Locale.ROOT, "%.1f–%.1f", Arrays.stream(values).min().orElse(0),
                Arrays.stream(values).max().orElse(0));
    }
}
