package dev.noexcuses.bench.features;

import com.typesafe.config.Config;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.bench.Rounds;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.online.FeatureClient;
import dev.noexcuses.features.online.FeatureServer;
import dev.noexcuses.features.online.OnlineStore;
import dev.noexcuses.features.online.RedisLayout;
import dev.noexcuses.infra.Ports;
import dev.noexcuses.infra.redis.EmbeddedRedis;
import dev.noexcuses.infra.redis.RedisFactory;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * The feature store's benchmarks on the embedded Redis (a real server, as {@code ./platform up} runs it):
 * <ul>
 *   <li>{@code online [USERS] [REQUESTS] [ROUNDS]}: one user's features through the HTTP API and the Java client,
 *       against a raw {@code HGETALL} of the same hash (and the in-process read), alternating, one request at a
 *       time; p50 and p99 per round, medians of the rounds;</li>
 *   <li>{@code materialize [USERS] [ROUNDS]} and {@code training-set [LABELS] [USERS] [ROUNDS]}: run in the feature
 *       store's Spark JVM ({@code FeatureStoreBenchmark}), with this Redis.</li>
 * </ul>
 */
public final class FeatureStoreBenchmarks {
    private FeatureStoreBenchmarks() {}

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "online";
        Path dir = Files.createTempDirectory("noexcuses-bench-features-");
        Config defaults = PlatformConfig.defaults(Map.of());
        EmbeddedRedis redis = (EmbeddedRedis) new RedisFactory().create(defaults, dir, Ports.free());
        redis.start();
        try {
            switch (mode) {
                case "online" -> online(redis.access(), intArg(args, 1, 10_000), intArg(args, 2, 20_000), intArg(args, 3, 6));
                case "materialize", "training-set" -> System.exit(sparkJvm(defaults, redis.access(), args));
                default -> throw new IllegalArgumentException("Unknown benchmark " + mode + ": online, materialize or training-set");
            }
        } finally {
            redis.stop();
        }
    }

    private static int intArg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i].replace("_", "")) : fallback;
    }

    private static int sparkJvm(Config config, RedisAccess redis, String[] args) throws Exception {
        Path home = Path.of(System.getProperty("platform.home", ".")).toAbsolutePath().normalize();
        Path target = home.resolve("feature-store/target");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms1g", "-Xmx" + System.getProperty("bench.spark-heap", "6g")));
        cmd.addAll(SparkJobLauncher.JVM_OPTIONS);
        cmd.add("-Dbench.dir=" + target.resolve("bench"));
        cmd.addAll(List.of("-cp", target.resolve("feature-store-0.1.0-SNAPSHOT.jar") + File.pathSeparator + target.resolve("lib")
                + "/*", "dev.noexcuses.features.bench.FeatureStoreBenchmark"));
        if (args[0].equals("materialize")) {
            cmd.addAll(List.of("materialize", String.valueOf(intArg(args, 1, 200_000)), String.valueOf(intArg(args, 2, 3)),
                    "--redis-url", redis.url()));
        } else {
            cmd.addAll(List.of("training-set", String.valueOf(intArg(args, 1, 1_000_000)), String.valueOf(intArg(args, 2, 100_000)),
                    String.valueOf(intArg(args, 3, 2))));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put("FEATURES_REDIS_PASSWORD", redis.password());
        return pb.start().waitFor();
    }

    static void online(RedisAccess redis, int users, int requests, int rounds) throws Exception {
        FeatureRegistry registry = FeatureRegistry.shipped();
        Instant featureTime = Instant.now().minus(Duration.ofHours(2));
        SplittableRandom random = new SplittableRandom(7);
        int fields = 0;
        try (Jedis jedis = connect(redis)) {
            Pipeline p = jedis.pipelined();
            for (int u = 0; u < users; u++) {
                Map<String, String> hash = new HashMap<>();
                for (FeatureView view : registry.views()) {
                    hash.put(RedisLayout.featureTimeField(view.name()), String.valueOf(featureTime.toEpochMilli()));
                    for (Feature f : view.features()) {
                        hash.put(RedisLayout.field(view.name(), f.name()), f.type().sqlType().equals("DOUBLE")
                                ? String.valueOf(Math.round(random.nextDouble() * 10_000) / 100.0)
                                : String.valueOf(random.nextInt(50)));
                    }
                }
                fields = hash.size();
                p.hset(RedisLayout.key(registry.views().get(0).entity(), user(u)), hash);
                if (u % 1000 == 999) {
                    p.sync();
                }
            }
            p.sync();
        }
        System.out.printf(Locale.ROOT, "Online reads: %,d users in Redis (%d fields per hash, every feature of %s), %,d requests "
                + "per round, %d rounds, one request at a time, %d cores%n", users, fields, registry.names(), requests, rounds,
                Runtime.getRuntime().availableProcessors());
        Config config = PlatformConfig.defaults(Map.of("redis.url", redis.url(), "redis.password", redis.password(),
                "feature-store.online.port", "0"));
        try (FeatureServer server = FeatureServer.start(config, registry);
             OnlineStore store = new OnlineStore(redis, registry, Clock.systemUTC());
             Jedis jedis = connect(redis)) {
            FeatureClient client = new FeatureClient(server.url(), "", Duration.ofSeconds(10));
            List<String> all = List.of();
            // Warm-up of every path (JIT, connections), not counted.
            for (int i = 0; i < Math.min(requests, 5_000); i++) {
                String u = user(random.nextInt(users));
                client.get(u, all);
                jedis.hgetAll(RedisLayout.key(registry.views().get(0).entity(), u));
                store.read(u, all);
            }
            List<double[]> api = new ArrayList<>();
            List<double[]> raw = new ArrayList<>();
            List<double[]> inProcess = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                Latencies a = new Latencies(requests);
                for (int i = 0; i < requests; i++) {
                    String u = user(random.nextInt(users));
                    long t0 = System.nanoTime();
                    if (client.get(u, all).values().isEmpty()) {
                        throw new IllegalStateException("no features for " + u);
                    }
                    a.add(System.nanoTime() - t0);
                }
                Latencies r = new Latencies(requests);
                for (int i = 0; i < requests; i++) {
                    String key = RedisLayout.key(registry.views().get(0).entity(), user(random.nextInt(users)));
                    long t0 = System.nanoTime();
                    if (jedis.hgetAll(key).isEmpty()) {
                        throw new IllegalStateException("no hash " + key);
                    }
                    r.add(System.nanoTime() - t0);
                }
                Latencies s = new Latencies(requests);
                for (int i = 0; i < requests; i++) {
                    String u = user(random.nextInt(users));
                    long t0 = System.nanoTime();
                    store.read(u, all);
                    s.add(System.nanoTime() - t0);
                }
                api.add(new double[] {a.percentileMs(50), a.percentileMs(99)});
                raw.add(new double[] {r.percentileMs(50), r.percentileMs(99)});
                inProcess.add(new double[] {s.percentileMs(50), s.percentileMs(99)});
                System.out.printf(Locale.ROOT, "  round %d  HTTP API + client p50 %.3f ms p99 %.3f ms | raw HGETALL p50 %.3f ms p99 %.3f ms"
                        + " | in-process read p50 %.3f ms p99 %.3f ms%n", round, a.percentileMs(50), a.percentileMs(99),
                        r.percentileMs(50), r.percentileMs(99), s.percentileMs(50), s.percentileMs(99));
            }
            double apiP99 = median(api, 1);
            double rawP99 = median(raw, 1);
            double storeP99 = median(inProcess, 1);
            System.out.printf(Locale.ROOT, "Medians of the rounds: HTTP API p50 %.3f / p99 %.3f ms (p99 min %.3f, max %.3f); raw HGETALL "
                    + "p50 %.3f / p99 %.3f ms (p99 min %.3f, max %.3f); in-process p50 %.3f / p99 %.3f ms%n", median(api, 0), apiP99,
                    min(api, 1), max(api, 1), median(raw, 0), rawP99, min(raw, 1), max(raw, 1), median(inProcess, 0), storeP99);
            System.out.printf(Locale.ROOT, "HTTP API p99 / HGETALL p99 = %.2f (goal <= 2.00 and <= 2 ms: %s); in-process read p99 / "
                    + "HGETALL p99 = %.2f%n", apiP99 / rawP99, apiP99 / rawP99 <= 2.0 && apiP99 <= 2.0 ? "met" : "NOT met",
                    storeP99 / rawP99);
        }
    }

    private static Jedis connect(RedisAccess redis) {
        return new Jedis(new HostAndPort(redis.host(), redis.port()),
                DefaultJedisClientConfig.builder().password(redis.password()).timeoutMillis(10_000).build());
    }

    private static String user(int i) {
        return "u-" + i;
    }

    private static double median(List<double[]> rounds, int i) {
        return Rounds.median(rounds.stream().mapToDouble(r -> r[i]).toArray());
    }

    private static double min(List<double[]> rounds, int i) {
        return rounds.stream().mapToDouble(r -> r[i]).min().orElse(Double.NaN);
    }

    private static double max(List<double[]> rounds, int i) {
        return rounds.stream().mapToDouble(r -> r[i]).max().orElse(Double.NaN);
    }
}
