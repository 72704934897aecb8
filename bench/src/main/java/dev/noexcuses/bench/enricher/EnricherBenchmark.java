package dev.noexcuses.bench.enricher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.enricher.EnricherApp;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Enricher throughput (events/s) against a pass-through Kafka Streams topology (read and write the
 * same records, no work) in the same run, on the same embedded broker, with the same exactly-once v2
 * settings, one stream thread each, over the same pre-loaded raw topic of simulated web-shop events
 * from the simulator's visitors (thousands of distinct public addresses and browser user agents, so
 * the user-agent and GeoIP caches miss as they would in real traffic; GeoIP on DB-IP Lite City):
 * <ol>
 *   <li>pass-through;</li>
 *   <li>enricher with every local enrichment: schema validation, user agent, GeoIP, pseudonymisation, dedup
 *       (RocksDB store, the default);</li>
 *   <li>the same with the in-memory dedup store;</li>
 *   <li>the same plus the enrichment API calls (product details with the local cache, model score);</li>
 *   <li>the same with the product cache off: every product event calls the API.</li>
 * </ol>
 * A warm-up round runs every variant over a smaller topic; then {@code bench.rounds} measured rounds
 * run every variant over the measured topic, and the report gives each variant's median.
 *
 * <p>Run: {@code ./bench/run enricher [events] [passthrough,local,local-in-memory,api,nocache]}.
 */
public final class EnricherBenchmark {
    /** Stream threads of every variant ({@code -Dbench.threads}, default 1). */
    private static final int THREADS = Integer.getInteger("bench.threads", 1);
    /** Measured rounds ({@code -Dbench.rounds}, default 3); the report gives each variant's median. */
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);

    record Result(String name, long events, double seconds) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int warmup = Math.max(10_000, events / 4);
        List<String> variants = List.of((args.length > 1 ? args[1] : "passthrough,local,local-in-memory,api,nocache").split(","));
        Config base = PlatformConfig.defaults(Map.of());
        System.out.printf("Enricher benchmark: %,d events per variant (after %,d warm-up), %d partitions, "
                + "%d stream thread(s), exactly-once v2, %d cores%n", events, warmup,
                base.getInt("kafka.topics.partitions"), THREADS, Runtime.getRuntime().availableProcessors());
        Path work = Files.createTempDirectory("enricher-bench-");
        String geo = String.join(",", RealisticEvents.cityDatabase().stream().map(Path::toString).toList());
        try (LocalInfra infra = LocalInfra.forTests(base).start()) {
            Config config = infra.serviceConfig(base);
            int partitions = config.getInt("kafka.topics.partitions");
            createTopics(config, partitions, "bench.warmup", "bench.raw");
            load(config, "bench.warmup", warmup, 11);
            load(config, "bench.raw", events, 7);

            try (EnrichmentApiServer api = EnrichmentApiServer.start(PlatformConfig.defaults(Map.of(
                    "enrichment-api.port", "0", "enrichment-api.host", "127.0.0.1")))) {
                Map<String, String> local = new HashMap<>(Map.of(
                        "enricher.enrichments.geoip.database", geo,
                        "enricher.enrichments.product-details.enabled", "false",
                        "enricher.enrichments.model-score.enabled", "false"));
                Map<String, String> localInMemory = new HashMap<>(local);
                localInMemory.put("enricher.dedup.store", "in-memory");
                Map<String, String> withApi = new HashMap<>(local);
                withApi.put("enricher.enrichments.product-details.enabled", "true");
                withApi.put("enricher.enrichments.model-score.enabled", "true");
                withApi.put("enricher.api.url", api.localUrl());
                Map<String, String> withApiNoCache = new HashMap<>(withApi);
                withApiNoCache.put("enricher.api.cache.enabled", "false");

                // Round 0 warms up the JIT, the broker and the API; rounds 1..ROUNDS are measured, each running
                // every variant back to back, so a busy moment of the machine hits one round, not one variant.
                Map<String, List<Result>> results = new java.util.LinkedHashMap<>();
                for (int run = 0; run <= ROUNDS; run++) {
                    String topic = run == 0 ? "bench.warmup" : "bench.raw";
                    long n = run == 0 ? warmup : events;
                    System.out.println(run == 0 ? "Warm-up:" : "Round " + run + ":");
                    List<Result> round = new ArrayList<>();
                    if (variants.contains("passthrough")) {
                        round.add(passThrough(config, partitions, topic, n, work, run));
                    }
                    if (variants.contains("local")) {
                        round.add(enricher("enricher, local enrichments", config, partitions, topic, n, work, run, local));
                    }
                    if (variants.contains("local-in-memory")) {
                        round.add(enricher("enricher, local, in-memory dedup store", config, partitions, topic, n, work,
                                run, localInMemory));
                    }
                    if (variants.contains("api")) {
                        round.add(enricher("enricher + enrichment API (cached)", config, partitions, topic, n, work, run,
                                withApi));
                    }
                    if (variants.contains("nocache")) {
                        round.add(enricher("enricher + enrichment API (no cache)", config, partitions, topic, n, work,
                                run, withApiNoCache));
                    }
                    if (run > 0) {
                        round.forEach(r -> results.computeIfAbsent(r.name(), k -> new ArrayList<>()).add(r));
                    }
                }
                report(results);
            }
        }
    }

    /** Writes {@code n} valid simulated web-shop events, as the collector would have, to {@code topic}. */
    private static void load(Config config, String topic, long n, long seed) throws Exception {
        WebShopSimulator simulator = new WebShopSimulator(seed, "web-shop", 5000, 0, 0);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClients.reliableProducer(config, "bench-loader", 60_000))) {
            for (long i = 0; i < n; i++) {
                EventEnvelope envelope = RealisticEvents.envelope(simulator.next(), i);
                producer.send(new ProducerRecord<>(topic, envelope.partitionKey(), Json.toBytes(envelope)));
            }
            producer.flush();
        }
    }

    private static Result passThrough(Config config, int partitions, String input, long n, Path work, int run)
            throws Exception {
        String output = "bench.out.passthrough." + run;
        createTopics(config, partitions, output);
        AtomicLong seen = new AtomicLong();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.ByteArray()))
                .peek((k, v) -> seen.incrementAndGet())
                .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));
        Properties props = KafkaClients.base(config);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-passthrough-" + run);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, THREADS);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATE_DIR_CONFIG, work.resolve("state-passthrough-" + run).toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            streams.start();
            return measure("pass-through Kafka Streams", n, seen::get);
        }
    }

    private static Result enricher(String name, Config config, int partitions, String input, long n, Path work,
                                   int run, Map<String, String> settings) throws Exception {
        String id = name.replaceAll("[^a-z]+", "-") + run;
        String output = "bench.out." + id;
        createTopics(config, partitions, output, output + ".dlq");
        Map<String, String> overrides = new HashMap<>(settings);
        overrides.put("enricher.application-id", "bench-" + id);
        overrides.put("enricher.state-dir", work.resolve("state-" + id).toString());
        overrides.put("enricher.topics.input", input);
        overrides.put("enricher.topics.output", output);
        overrides.put("enricher.topics.dlq", output + ".dlq");
        overrides.put("enricher.admin.port", "-1");
        overrides.put("enricher.stream-threads", String.valueOf(THREADS));
        for (String pair : System.getProperty("bench.enricher.set", "").split(",")) {
            if (pair.contains("=")) {
                overrides.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        Config enricherConfig = com.typesafe.config.ConfigFactory.parseMap(overrides).withFallback(config);
        try (EnricherApp app = EnricherApp.start(enricherConfig)) {
            Result result = measure(name, n, () -> app.metrics().enrichedCount() + app.metrics().failedCount()
                    + app.metrics().duplicateCount());
            if (app.metrics().failedCount() > 0) {
                System.out.printf("  note: %s sent %,d events to its DLQ%n", name, app.metrics().failedCount());
            }
            return result;
        }
    }

    /** Events per second from the first processed event to the last (group join excluded). */
    private static Result measure(String name, long n, LongSupplier processed) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (processed.getAsLong() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " processed nothing in 3 minutes");
            }
            Thread.sleep(1);
        }
        long startCount = processed.getAsLong();
        long t0 = System.nanoTime();
        while (processed.getAsLong() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " processed " + processed.getAsLong() + " of " + n);
            }
            Thread.sleep(2);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Result result = new Result(name, n - startCount, seconds);
        System.out.printf(Locale.ROOT, "  %-40s %,10.0f events/s  (%,d events in %.2f s)%n", name,
                result.eventsPerSecond(), result.events(), seconds);
        return result;
    }

    private static void createTopics(Config config, int partitions, String... topics) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(list).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** The median of each variant's rounds, and its ratio to the pass-through's median. */
    private static void report(Map<String, List<Result>> results) {
        Map<String, Double> medians = new java.util.LinkedHashMap<>();
        results.forEach((name, runs) -> {
            double[] rates = runs.stream().mapToDouble(Result::eventsPerSecond).sorted().toArray();
            medians.put(name, rates[rates.length / 2]);
        });
        Double baseline = medians.get("pass-through Kafka Streams");
        System.out.println();
        System.out.println("| variant | events/s (median of " + ROUNDS + ") | ratio to pass-through |");
        System.out.println("|---|---:|---:|");
        medians.forEach((name, rate) -> System.out.printf(Locale.ROOT, "| %s | %,.0f | %s |%n", name, rate,
                baseline == null ? "-" : String.format(Locale.ROOT, "%.2f", rate / baseline)));
    }
}
