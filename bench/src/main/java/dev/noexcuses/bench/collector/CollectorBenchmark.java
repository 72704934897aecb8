package dev.noexcuses.bench.collector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.SendResponse;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Collector throughput (events/s) and request latency (p50, p99) for single events and batches of
 * 100, over REST and gRPC, against the raw Kafka producer writing the same events in the same run,
 * on the same embedded broker.
 *
 * <p>Run: {@code ./bench/run collector [events]}.
 */
public final class CollectorBenchmark {
    private static final String KEY = "local-dev-key";

    record Result(String name, long events, long requests, double seconds, Latencies latencies, long errors) {
        double eventsPerSecond() {
            return events / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int concurrency = 32;
        Config base = PlatformConfig.defaults(Map.of("collector.port", "0", "collector.admin.port", "0"));
        System.out.printf("Collector benchmark: %,d events per mode, %d requests in flight, %d cores%n", events,
                concurrency, Runtime.getRuntime().availableProcessors());
        try (LocalInfra infra = LocalInfra.forTests(base).start()) {
            Config config = infra.serviceConfig(base);
            List<ObjectNode> sample = generate(events);
            List<Result> results = new ArrayList<>();
            // Warm up the JIT, the broker and the connections on every path before measuring.
            rawProducer(config, sample.subList(0, Math.min(20_000, events)));
            try (CollectorServer collector = CollectorServer.start(config);
                 ClientFactory factory = ClientFactory.builder().build()) {
                String url = "http://127.0.0.1:" + collector.port();
                rest(url, factory, sample.subList(0, Math.min(10_000, events)), 1, concurrency);
                rest(url, factory, sample.subList(0, Math.min(20_000, events)), 100, concurrency);
                grpc(url, factory, sample.subList(0, Math.min(10_000, events)), 1, concurrency);
                grpc(url, factory, sample.subList(0, Math.min(20_000, events)), 100, concurrency);

                results.add(rawProducer(config, sample));
                int singles = Math.max(1000, events / 5);
                results.add(rest(url, factory, sample.subList(0, singles), 1, concurrency));
                results.add(rest(url, factory, sample, 100, concurrency));
                results.add(grpc(url, factory, sample.subList(0, singles), 1, concurrency));
                results.add(grpc(url, factory, sample, 100, concurrency));
            }
            report(results);
        }
        System.exit(0);
    }

    private static List<ObjectNode> generate(int n) {
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 1000, 0, 0);
        List<ObjectNode> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(simulator.next().event());
        }
        return events;
    }

    /** The baseline: the same events as envelopes, written by the same reliable producer settings. */
    static Result rawProducer(Config config, List<ObjectNode> events) throws Exception {
        List<byte[]> values = new ArrayList<>(events.size());
        List<String> keys = new ArrayList<>(events.size());
        CollectorMetadata metadata = new CollectorMetadata(Instant.now(), "bench", "r", "127.0.0.1", "bench", "web-shop",
                "rest");
        for (ObjectNode e : events) {
            EventEnvelope env = new EventEnvelope(e.get("event_id").asText(), e.get("schema").asText(),
                    Instant.parse(e.get("event_time").asText()), e.get("source").asText(),
                    e.path("user_id").asText(null), e.path("anonymous_id").asText(null), e.get("data"), metadata, null);
            values.add(Json.toBytes(env));
            keys.add(env.partitionKey());
        }
        Latencies latencies = new Latencies(events.size());
        AtomicLong errors = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClients.reliableProducer(config, "bench-baseline", 30_000))) {
            long t0 = System.nanoTime();
            CountDownLatch done = new CountDownLatch(events.size());
            for (int i = 0; i < values.size(); i++) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(Topics.RAW, keys.get(i), values.get(i)), (m, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                    }
                    latencies.add(System.nanoTime() - start);
                    done.countDown();
                });
            }
            done.await();
            double secs = (System.nanoTime() - t0) / 1e9;
            return new Result("raw Kafka producer (baseline)", events.size(), events.size(), secs, latencies,
                    errors.get());
        }
    }

    static Result rest(String url, ClientFactory factory, List<ObjectNode> events, int batchSize, int concurrency)
            throws InterruptedException {
        WebClient client = WebClient.builder(url).factory(factory).responseTimeout(Duration.ofSeconds(60)).build();
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < events.size(); i += batchSize) {
            List<ObjectNode> slice = events.subList(i, Math.min(events.size(), i + batchSize));
            if (batchSize == 1) {
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
        Semaphore inFlight = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(bodies.size());
        long t0 = System.nanoTime();
        for (byte[] body : bodies) {
            inFlight.acquire();
            long start = System.nanoTime();
            client.execute(HttpRequest.of(headers, HttpData.wrap(body))).aggregate().whenComplete((r, t) -> {
                if (t != null || r.status().code() != 200) {
                    errors.incrementAndGet();
                }
                latencies.add(System.nanoTime() - start);
                inFlight.release();
                done.countDown();
            });
        }
        done.await();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result("collector REST, " + (batchSize == 1 ? "single events" : "batches of " + batchSize),
                events.size(), bodies.size(), secs, latencies, errors.get());
    }

    static Result grpc(String url, ClientFactory factory, List<ObjectNode> events, int batchSize, int concurrency)
            throws InterruptedException {
        CollectorServiceGrpc.CollectorServiceFutureStub stub = GrpcClients.builder(url.replace("http://", "gproto+http://") + "/")
                .factory(factory).addHeader("x-write-key", KEY).responseTimeout(Duration.ofSeconds(60))
                .build(CollectorServiceGrpc.CollectorServiceFutureStub.class);
        List<EventBatch> batches = new ArrayList<>();
        for (int i = 0; i < events.size(); i += batchSize) {
            EventBatch.Builder b = EventBatch.newBuilder();
            events.subList(i, Math.min(events.size(), i + batchSize)).forEach(e -> b.addEvents(ProtoJson.fromJson(e)));
            batches.add(b.build());
        }
        Latencies latencies = new Latencies(batches.size());
        AtomicLong errors = new AtomicLong();
        Semaphore inFlight = new Semaphore(concurrency);
        CountDownLatch done = new CountDownLatch(batches.size());
        long t0 = System.nanoTime();
        for (EventBatch batch : batches) {
            inFlight.acquire();
            long start = System.nanoTime();
            Futures.addCallback(stub.send(batch), new FutureCallback<SendResponse>() {
                @Override
                public void onSuccess(SendResponse r) {
                    if (r.getAccepted() != batch.getEventsCount()) {
                        errors.incrementAndGet();
                    }
                    finish();
                }

                @Override
                public void onFailure(Throwable t) {
                    errors.incrementAndGet();
                    finish();
                }

                private void finish() {
                    latencies.add(System.nanoTime() - start);
                    inFlight.release();
                    done.countDown();
                }
            }, MoreExecutors.directExecutor());
        }
        done.await();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Result("collector gRPC, " + (batchSize == 1 ? "single events" : "batches of " + batchSize),
                events.size(), batches.size(), secs, latencies, errors.get());
    }

    private static void report(List<Result> results) {
        double baseline = results.get(0).eventsPerSecond();
        System.out.println();
        System.out.println("| mode | events | requests | events/s | vs raw producer | p50 ms | p99 ms | errors |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %,.0f | %.2f | %.2f | %.2f | %d |%n", r.name(), r.events(),
                    r.requests(), r.eventsPerSecond(), r.eventsPerSecond() / baseline, r.latencies().percentileMs(50),
                    r.latencies().percentileMs(99), r.errors());
        }
        System.out.println();
        System.out.println("Latency: per request (the baseline: per record, send to acknowledgement).");
    }
}
