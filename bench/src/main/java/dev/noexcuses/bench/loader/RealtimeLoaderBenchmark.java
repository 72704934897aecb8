package dev.noexcuses.bench.loader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.loader.realtime.RealtimeLoader;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.loader.realtime.index.DataMapping;
import dev.noexcuses.loader.realtime.index.IndexTemplates;
import dev.noexcuses.loader.realtime.index.SearchClients;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;

/**
 * Realtime-loader throughput (documents/s, Kafka to acknowledged in OpenSearch) against plain bulk
 * indexing of the same documents with the same client and bulk size and no Kafka, in the same run on
 * the same embedded OpenSearch; then end-to-end latency from the collector's receive time to searchable
 * under a steady load.
 *
 * <p>Run: {@code ./bench/run realtime-loader [documents] [events-per-second] [seconds]}.
 */
public final class RealtimeLoaderBenchmark {
    private static final int BULK_DOCUMENTS = 1000;

    record Throughput(String name, long documents, double seconds) {
        double perSecond() {
            return documents / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int documents = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        Config base = PlatformConfig.defaults(Map.of());
        System.out.printf("Realtime-loader benchmark: %,d documents, bulk requests of %d, then %d events/s for %d s; "
                + "%d cores, OpenSearch heap %s%n", documents, BULK_DOCUMENTS, rate, seconds,
                Runtime.getRuntime().availableProcessors(), base.getString("local-infra.opensearch.heap"));
        try (LocalInfra infra = LocalInfra.forTests(base).start("opensearch")) {
            Config config = infra.serviceConfig(base);
            OpenSearchClient client = SearchClients.create(ClusterAccess.from(config), Duration.ofSeconds(60));
            try {
                List<Throughput> results = new ArrayList<>();
                // Warm up the JIT, the node and the connections on both paths before measuring.
                List<byte[]> warmUp = generate(Math.min(20_000, documents), Instant.now());
                plainBulk(config, client, warmUp, "warmup", 1);
                plainBulk(config, client, warmUp, "warmup", 2);
                loader(config, warmUp, "warmup");

                List<byte[]> sample = generate(documents, Instant.now());
                results.add(plainBulk(config, client, sample, "measured", 1));
                results.add(plainBulk(config, client, sample, "measured", 2));
                results.add(loader(config, sample, "measured"));
                reportThroughput(results);
                steadyLoad(config, client, rate, seconds);
            } finally {
                SearchClients.close(client);
            }
        }
        System.exit(0);
    }

    /** Enriched events as the enricher writes them: web-shop events with user-agent, geo and product enrichments. */
    static List<byte[]> generate(int n, Instant receivedAt) {
        WebShopSimulator simulator = new WebShopSimulator(11, "web-shop", 1000, 0, 0);
        List<byte[]> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(Json.toBytes(enriched(simulator.next().event(), receivedAt)));
        }
        return events;
    }

    static EventEnvelope enriched(ObjectNode e, Instant receivedAt) {
        ObjectNode enrichments = Json.mapper().createObjectNode();
        ObjectNode agent = enrichments.putObject("user_agent");
        agent.put("browser", "Firefox");
        agent.put("os", "Linux");
        agent.put("device", "Other");
        ObjectNode geo = enrichments.putObject("geo");
        geo.put("country_code", "DE");
        geo.put("country", "Germany");
        geo.put("city", "Berlin");
        JsonNode productId = e.path("data").path("product_id");
        if (productId.isTextual()) {
            ObjectNode product = enrichments.putArray("products").addObject();
            product.put("product_id", productId.asText());
            product.put("name", "Trail Runner");
            product.put("category", "shoes");
            product.put("price", 98.86);
            product.put("currency", "EUR");
        }
        enrichments.put("enriched_at", receivedAt.toString());
        return new EventEnvelope(e.get("event_id").asText(), e.get("schema").asText(),
                Instant.parse(e.get("event_time").asText()), e.get("source").asText(), e.path("user_id").asText(null),
                e.path("anonymous_id").asText(null), e.get("data"),
                new CollectorMetadata(receivedAt, "bench", "r", "3a5f0c", "Mozilla/5.0", "web-shop", "rest"),
                enrichments);
    }

    /**
     * The baseline: the same documents, parsed beforehand, in bulk requests of the same size, with
     * {@code inFlight} requests at a time (1: one after the other, as the loader sends them).
     */
    static Throughput plainBulk(Config config, OpenSearchClient client, List<byte[]> events, String run, int inFlight)
            throws Exception {
        String prefix = "bench-bulk-" + run + "-" + inFlight + "-enriched-";
        new IndexTemplates(client, new IndexTemplates.Options(prefix, "bench-bulk-" + run + "-" + inFlight + "-failed-",
                1, 0, Duration.ofSeconds(1), DataMapping.AUTO)).install();
        List<JsonNode> parsed = new ArrayList<>(events.size());
        for (byte[] e : events) {
            parsed.add(Json.mapper().readTree(e));
        }
        String index = prefix + "all";
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(inFlight);
        long t0 = System.nanoTime();
        List<java.util.concurrent.Future<?>> sending = new ArrayList<>();
        for (int lane = 0; lane < inFlight; lane++) {
            int first = lane;
            sending.add(senders.submit(() -> {
                for (int i = first * BULK_DOCUMENTS; i < parsed.size(); i += inFlight * BULK_DOCUMENTS) {
                    BulkRequest.Builder bulk = new BulkRequest.Builder();
                    for (JsonNode doc : parsed.subList(i, Math.min(parsed.size(), i + BULK_DOCUMENTS))) {
                        bulk.operations(op -> op.index(x -> x.index(index).id(doc.get("event_id").asText())
                                .document(doc)));
                    }
                    BulkResponse response = client.bulk(bulk.build());
                    if (response.errors()) {
                        throw new IllegalStateException("Baseline bulk request had errors");
                    }
                }
                return null;
            }));
        }
        for (var f : sending) {
            f.get();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        senders.shutdown();
        return new Throughput("plain bulk indexing, same client, " + inFlight + " request" + (inFlight == 1 ? "" : "s")
                + " in flight" + (inFlight == 1 ? " (baseline)" : ""), parsed.size(), secs);
    }

    /**
     * The loader reading the same documents from Kafka, produced beforehand. Timed from its first
     * acknowledged bulk request to its last, so the consumer group's join is not counted.
     */
    static Throughput loader(Config config, List<byte[]> events, String run) throws Exception {
        String topic = "bench." + run + ".events.enriched";
        createTopic(config, topic);
        produce(config, topic, events);
        Config loaderConfig = ConfigFactory.parseMap(Map.of(
                "realtime-loader.group-id", "bench-" + run,
                "realtime-loader.topics.enriched", topic,
                "realtime-loader.topics.failed", "bench." + run + ".failed",
                "realtime-loader.index.enriched-prefix", "bench-loader-" + run + "-enriched-",
                "realtime-loader.index.failed-prefix", "bench-loader-" + run + "-failed-",
                "realtime-loader.bulk.max-documents", String.valueOf(BULK_DOCUMENTS),
                "realtime-loader.admin.port", "-1")).withFallback(config);
        createTopic(config, "bench." + run + ".failed");
        try (RealtimeLoader loader = RealtimeLoader.start(loaderConfig)) {
            long first = 0;
            long t0 = 0;
            while (loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED) < events.size()) {
                long indexed = loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED);
                if (t0 == 0 && indexed > 0) {
                    t0 = System.nanoTime();
                    first = indexed;
                }
                Thread.sleep(2);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Throughput("realtime-loader, Kafka to OpenSearch", events.size() - first, secs);
        }
    }

    /**
     * Events stamped with the collector's receive time just before they are produced, at a steady rate;
     * a poller finds when each becomes searchable (resolution: its 50 ms poll interval).
     */
    static void steadyLoad(Config config, OpenSearchClient client, int rate, int seconds) throws Exception {
        String topic = "bench.latency.events.enriched";
        createTopic(config, topic);
        createTopic(config, "bench.latency.failed");
        String prefix = "bench-latency-enriched-";
        Config loaderConfig = ConfigFactory.parseMap(Map.of(
                "realtime-loader.group-id", "bench-latency",
                "realtime-loader.topics.enriched", topic,
                "realtime-loader.topics.failed", "bench.latency.failed",
                "realtime-loader.index.enriched-prefix", prefix,
                "realtime-loader.index.failed-prefix", "bench-latency-failed-",
                "realtime-loader.admin.port", "-1")).withFallback(config);
        Map<String, Long> unseen = new ConcurrentHashMap<>();
        Latencies searchable = new Latencies(rate * seconds);
        WebShopSimulator simulator = new WebShopSimulator(13, "web-shop", 1000, 0, 0);
        try (RealtimeLoader loader = RealtimeLoader.start(loaderConfig);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                     KafkaClients.reliableProducer(config, "bench-latency", 30_000))) {
            while (!loader.isReady()) {
                Thread.sleep(10);
            }
            AtomicBoolean polling = new AtomicBoolean(true);
            Thread poller = new Thread(() -> pollSearchable(client, prefix + "*", unseen, searchable, polling),
                    "searchable-poller");
            poller.start();
            long total = (long) rate * seconds;
            long t0 = System.nanoTime();
            for (long sent = 0; sent < total; sent++) {
                long due = t0 + sent * 1_000_000_000L / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                Instant now = Instant.now();
                EventEnvelope event = enriched(simulator.next().event(), now);
                unseen.put(event.eventId(), now.toEpochMilli());
                producer.send(new ProducerRecord<>(topic, event.partitionKey(), Json.toBytes(event)));
            }
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!unseen.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            polling.set(false);
            poller.join();
            Map<Double, Double> acked = new HashMap<>();
            for (ValueAtPercentile p : loader.metrics().endToEndLatency().takeSnapshot().percentileValues()) {
                acked.put(p.percentile(), p.value(TimeUnit.MILLISECONDS));
            }
            System.out.println();
            System.out.println("| steady load | events | not searchable after 60 s | searchable p50 ms | p99 ms | "
                    + "max ms | acknowledged p50 ms | p99 ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
            System.out.printf(Locale.ROOT, "| %,d events/s for %d s | %,d | %d | %.0f | %.0f | %.0f | %.0f | %.0f |%n",
                    rate, seconds, total, unseen.size(), searchable.percentileMs(50), searchable.percentileMs(99),
                    searchable.percentileMs(100), acked.getOrDefault(0.5, Double.NaN),
                    acked.getOrDefault(0.99, Double.NaN));
            System.out.println();
            System.out.println("Searchable: from the receive time stamped on the event to the first search that "
                    + "found it (50 ms poll). Acknowledged: the loader's realtime_loader_end_to_end_latency (receive "
                    + "time to bulk acknowledgement). Flush interval 500 ms, refresh interval 1 s (the defaults).");
            System.out.printf(Locale.ROOT, "Goal p99 searchable < 2000 ms: %s%n",
                    searchable.percentileMs(99) < 2000 && unseen.isEmpty() ? "met" : "NOT met");
        }
    }

    private static void pollSearchable(OpenSearchClient client, String pattern, Map<String, Long> unseen,
                                       Latencies searchable, AtomicBoolean polling) {
        while (polling.get()) {
            long sentAt = System.currentTimeMillis();
            long oldest = unseen.values().stream().mapToLong(Long::longValue).min().orElse(sentAt);
            try {
                SearchResponse<Void> found = client.search(s -> s.index(pattern).size(10_000).source(src -> src
                        .fetch(false)).ignoreUnavailable(true).allowNoIndices(true)
                        .query(q -> q.range(r -> r.field("collector.received_at")
                                .gte(org.opensearch.client.json.JsonData.of(oldest)))), Void.class);
                for (Hit<Void> hit : found.hits().hits()) {
                    Long receivedAt = unseen.remove(hit.id());
                    if (receivedAt != null) {
                        searchable.add(TimeUnit.MILLISECONDS.toNanos(sentAt - receivedAt));
                    }
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // The daily index may be initialising its shard (503) right after its first document.
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private static void createTopic(Config config, String topic) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            admin.createTopics(List.of(new NewTopic(topic, config.getInt("kafka.topics.partitions"), (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void produce(Config config, String topic, List<byte[]> events) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClients.reliableProducer(config, "bench-loader", 60_000))) {
            for (byte[] event : events) {
                producer.send(new ProducerRecord<>(topic, null, event));
            }
            producer.flush();
        }
    }

    private static void reportThroughput(List<Throughput> results) {
        double baseline = results.get(0).perSecond();
        System.out.println();
        System.out.println("| mode | documents | seconds | documents/s | vs baseline |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (Throughput r : results) {
            System.out.printf(Locale.ROOT, "| %s | %,d | %.2f | %,.0f | %.2f |%n", r.name(), r.documents(), r.seconds(),
                    r.perSecond(), r.perSecond() / baseline);
        }
        double loader = results.get(results.size() - 1).perSecond();
        System.out.printf(Locale.ROOT, "Goal loader >= 0.80 of plain bulk: %s (%.2f of one request in flight, %.2f of "
                + "two)%n", loader / baseline >= 0.8 ? "met" : "NOT met", loader / baseline,
                loader / results.get(1).perSecond());
    }
}
