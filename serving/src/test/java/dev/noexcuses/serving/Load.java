package dev.noexcuses.serving;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded load on the gateway from a few client threads, paced, counting every answer: succeeded,
 * failed (any non-2xx or transport error, with the first few reasons), and which model version
 * answered. It stops when told, or by itself after {@code maxDuration}.
 */
final class Load implements AutoCloseable {
    private final WebClient client;
    private final String path;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Map<String, LongAdder> byVersion = new ConcurrentHashMap<>();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong seed = new AtomicLong(7);

    private Load(String gatewayUrl, String model) {
        this.client = WebClient.builder(gatewayUrl).responseTimeout(Duration.ofSeconds(20)).build();
        this.path = "/v1/models/" + model + "/predict";
    }

    /** Starts {@code threads} clients, each sending a request every {@code pauseMillis} at most. */
    static Load start(String gatewayUrl, String model, int threads, long pauseMillis, Duration maxDuration) {
        Load load = new Load(gatewayUrl, model);
        long deadline = System.nanoTime() + maxDuration.toNanos();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> load.loop(pauseMillis, deadline), "load-" + t);
            thread.setDaemon(true);
            load.threads.add(thread);
            thread.start();
        }
        return load;
    }

    private void loop(long pauseMillis, long deadline) {
        Random random = new Random(seed.incrementAndGet());
        while (running.get() && System.nanoTime() < deadline) {
            byte[] body = Json.toBytes(Map.of("features", TrainedModels.row(random)));
            try {
                AggregatedHttpResponse res = client.execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body))
                        .aggregate().get(30, TimeUnit.SECONDS);
                if (res.status().isSuccess()) {
                    succeeded.increment();
                    byVersion.computeIfAbsent(res.headers().get("x-model-version", "?"), v -> new LongAdder()).increment();
                } else {
                    fail(res.status() + " " + res.contentUtf8());
                }
            } catch (Exception e) {
                fail(e.toString());
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void fail(String why) {
        failed.increment();
        if (failures.size() < 10) {
            failures.add(why);
        }
    }

    long succeeded() {
        return succeeded.sum();
    }

    long failed() {
        return failed.sum();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    long answeredBy(String version) {
        LongAdder n = byVersion.get(version);
        return n == null ? 0 : n.sum();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
