package dev.noexcuses.bench.serving;

import static dev.noexcuses.bench.Rounds.median;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.typesafe.config.Config;
import dev.noexcuses.bench.Latencies;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.serving.client.ServingClient;
import dev.noexcuses.serving.gateway.ServingGateway;
import dev.noexcuses.serving.instances.ModelServerInstance;
import dev.noexcuses.serving.instances.ModelServerLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * The serving gateway against nginx doing the same work in front of the same two model server
 * processes: a 90/10 weighted split (nginx {@code split_clients}) and a mirror of every request to
 * the second server (nginx {@code mirror}). Per round, at fixed concurrency, the latency (p50, p99)
 * and at high concurrency the throughput; direct calls to a model server give the latency a proxy
 * adds. Rounds interleave gateways and nginx (A B C, C B A ...), so a change in the machine's load hits
 * all; medians and spread are reported. The gateway runs as {@code ./platform up} runs it, in a JVM of
 * its own (with its defaults, and with the upstream settings it had before: HTTP/2, any event loop),
 * and also inside this JVM beside the load generator.
 *
 * <p>{@code bench/run serving [rounds] [seconds-per-measurement] [warm-up-seconds-per-target]}; needs nginx on the PATH
 * ({@code apt-get install -y nginx-light}).
 */
public final class GatewayBenchmark {
    private static final String MODEL = "bench";

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Duration measure = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 6);
        // Load on each target before the rounds: the gateways' JIT compiles their request path meanwhile.
        Duration warmUp = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 3);
        Path dir = Files.createTempDirectory("serving-bench");
        Path nginx = findNginx();
        System.out.println("Training two XGBoost models (4 features, 50 trees each)...");
        Path m1 = train(dir.resolve("bench-1.json"), 1);
        Path m2 = train(dir.resolve("bench-2.json"), 2);

        Map<String, String> base = Map.of("platform.data-dir", dir.toString(), "serving.gateway.port", "0");
        Config config = PlatformConfig.defaults(database(base));
        ModelServerLauncher launcher = new ModelServerLauncher(dir.resolve("servers"),
                config.getStringList("serving.model-server.jvm-options"), 2000, Duration.ofMinutes(2));
        Process nginxProcess = null;
        ServingGateway inJvm = null;
        List<Process> gatewayProcesses = new ArrayList<>();
        List<ModelServerInstance> servers = new ArrayList<>();
        try {
            // Two model server processes, the same for nginx and every gateway (their external endpoints).
            ModelServerInstance v1 = launcher.start(MODEL, "1", m1.toString());
            ModelServerInstance v2 = launcher.start(MODEL, "2", m2.toString());
            servers.add(v1);
            servers.add(v2);
            int splitPort = dev.noexcuses.infra.LocalInfra.freePort();
            int mirrorPort = dev.noexcuses.infra.LocalInfra.freePort();
            nginxProcess = startNginx(nginx, dir.resolve("nginx"), v1.url(), v2.url(), splitPort, mirrorPort);
            // Three gateways, each with a state database of its own: in a process of its own as ./platform up
            // runs it, with the defaults (HTTP/1.1 to the model servers, called from the event loop that took
            // the request) and with the upstream settings it had before (HTTP/2, Armeria's event loop per
            // server: "h2 upstream"); and with the defaults inside this JVM beside the load generator, as the
            // first runs of this benchmark had the gateway.
            Map<String, ServingClient> gateways = new LinkedHashMap<>();
            Map<String, String> urls = new LinkedHashMap<>();
            Process h1 = startGatewayProcess(dir, "h1", database(base));
            gatewayProcesses.add(h1);
            Map<String, String> h2Settings = new HashMap<>(database(base));
            h2Settings.put("serving.gateway.upstream-protocol", "http2");
            h2Settings.put("serving.gateway.upstream-event-loop", "any");
            Process h2 = startGatewayProcess(dir, "h2", h2Settings);
            gatewayProcesses.add(h2);
            inJvm = ServingGateway.start(config);
            urls.put("", awaitGatewayPort(dir, "h1", h1));
            urls.put(", h2 upstream", awaitGatewayPort(dir, "h2", h2));
            urls.put(" (in bench JVM)", inJvm.url());
            urls.forEach((suffix, url) -> gateways.put(suffix, new ServingClient(url, "")));
            for (ServingClient api : gateways.values()) {
                awaitState(api, api.start(endpointSpec("1", v1, "canary", "")).path("id").asLong(), "promoted");
            }

            Map<String, List<Result>> results = new LinkedHashMap<>();
            // Split: a canary at 10% that never advances (its analysis waits for a billion samples).
            Map<String, Long> canaries = new LinkedHashMap<>();
            for (var g : gateways.entrySet()) {
                canaries.put(g.getKey(), g.getValue().start(endpointSpec("2", v2, "canary",
                        "canary { steps = [10], analysis-interval = 1h, min-samples = 1000000000 }")).path("id").asLong());
            }
            for (var c : canaries.entrySet()) {
                awaitPhase(gateways.get(c.getKey()), c.getValue(), "step");
            }
            Map<String, String> splitTargets = new LinkedHashMap<>();
            splitTargets.put("direct to v1 (split phase)", v1.url());
            urls.forEach((suffix, url) -> splitTargets.put("gateway split" + suffix, url));
            splitTargets.put("nginx split_clients 90/10", "http://127.0.0.1:" + splitPort);
            runRounds(splitTargets, rounds, measure, warmUp, results);
            for (var c : canaries.entrySet()) {
                gateways.get(c.getKey()).command(MODEL, "abort");
                awaitState(gateways.get(c.getKey()), c.getValue(), "aborted");
            }
            // Mirror: a shadow receiving a copy of every request, whose gate waits for a billion comparisons.
            Map<String, Long> shadows = new LinkedHashMap<>();
            for (var g : gateways.entrySet()) {
                shadows.put(g.getKey(), g.getValue().start(endpointSpec("2", v2, "shadow",
                        "shadow { share = 1.0, queue = 256, min-samples = 1000000000 }")).path("id").asLong());
            }
            for (var sh : shadows.entrySet()) {
                awaitPhase(gateways.get(sh.getKey()), sh.getValue(), "shadowing");
            }
            Map<String, String> mirrorTargets = new LinkedHashMap<>();
            mirrorTargets.put("direct to v1 (mirror phase)", v1.url());
            urls.forEach((suffix, url) -> mirrorTargets.put("gateway mirror" + suffix.replace("(in bench JVM)",
                    "(bench JVM)"), url));
            mirrorTargets.put("nginx mirror", "http://127.0.0.1:" + mirrorPort);
            runRounds(mirrorTargets, rounds, measure, warmUp, results);
            for (var sh : shadows.entrySet()) {
                System.out.println("Shadow comparison meanwhile (gateway" + sh.getKey() + "): "
                        + gateways.get(sh.getKey()).rollout(sh.getValue()).path("detail").path("shadow"));
                gateways.get(sh.getKey()).command(MODEL, "abort");
            }
            report(results, rounds, measure);
        } finally {
            if (nginxProcess != null) {
                nginxProcess.destroy();
                nginxProcess.waitFor(10, TimeUnit.SECONDS);
            }
            for (Process p : gatewayProcesses) {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
            }
            if (inJvm != null) {
                inJvm.close();
            }
            servers.forEach(launcher::stop);
        }
        System.exit(0);
    }

    private static String endpointSpec(String version, ModelServerInstance server, String strategy, String settings) {
        return "model = " + MODEL + "\nversion = \"" + version + "\"\nendpoints = [\"" + server.url() + "\"]\nstrategy = "
                + strategy + "\n" + settings + "\n";
    }

    /** Rounds over {@code targets}, A B B A: even rounds forward, odd rounds backward. */
    private static void runRounds(Map<String, String> targets, int rounds, Duration measure, Duration warmUp,
                                  Map<String, List<Result>> results) throws InterruptedException {
        System.out.println("Warm-up of " + targets.keySet() + " (" + warmUp.toSeconds() + " s each)...");
        for (String url : targets.values()) {
            measure(url, 4, warmUp.dividedBy(2));
            measure(url, 64, warmUp.dividedBy(2));
        }
        List<String> names = new ArrayList<>(targets.keySet());
        for (int r = 0; r < rounds; r++) {
            List<String> order = new ArrayList<>(names);
            if (r % 2 == 1) {
                java.util.Collections.reverse(order);
            }
            for (String name : order) {
                Result latency = measure(targets.get(name), 4, measure);
                Result throughput = measure(targets.get(name), 64, measure);
                results.computeIfAbsent(name, k -> new ArrayList<>()).add(new Result(latency.p50Ms, latency.p99Ms,
                        throughput.perSecond, latency.failed + throughput.failed));
                System.out.printf(Locale.ROOT, "  round %d %-28s p50 %6.2f ms  p99 %6.2f ms  max %8.0f req/s  failed %d%n",
                        r + 1, name, latency.p50Ms, latency.p99Ms, throughput.perSecond, latency.failed + throughput.failed);
            }
        }
    }

    private static void awaitPhase(ServingClient api, long id, String phase) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!api.rollout(id).path("phase").asText().equals(phase)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Rollout " + id + " did not reach " + phase + ": " + api.rollout(id));
            }
            Thread.sleep(200);
        }
    }

    private record Result(double p50Ms, double p99Ms, double perSecond, long failed) {}

    private static void report(Map<String, List<Result>> results, int rounds, Duration measure) {
        System.out.println();
        System.out.printf(Locale.ROOT, "Medians of %d rounds (min-max), %d s per measurement; latency at 4 in flight, "
                + "throughput at 64 in flight%n", rounds, measure.toSeconds());
        System.out.printf(Locale.ROOT, "%-28s %-22s %-22s %-24s %s%n", "target", "p50 ms", "p99 ms", "max req/s", "failed");
        for (var e : results.entrySet()) {
            List<Result> rs = e.getValue();
            System.out.printf(Locale.ROOT, "%-28s %-22s %-22s %-24s %d%n", e.getKey(),
                    spread(rs.stream().mapToDouble(Result::p50Ms).toArray(), 2),
                    spread(rs.stream().mapToDouble(Result::p99Ms).toArray(), 2),
                    spread(rs.stream().mapToDouble(Result::perSecond).toArray(), 0),
                    rs.stream().mapToLong(Result::failed).sum());
        }
        System.out.println();
        System.out.println("Added latency over direct calls of the same phase (median of rounds):");
        for (var e : results.entrySet()) {
            if (e.getKey().startsWith("direct")) {
                continue;
            }
            List<Result> direct = results.get(e.getKey().contains("split") ? "direct to v1 (split phase)"
                    : "direct to v1 (mirror phase)");
            double d50 = median(direct.stream().mapToDouble(Result::p50Ms).toArray());
            double d99 = median(direct.stream().mapToDouble(Result::p99Ms).toArray());
            double p50 = median(e.getValue().stream().mapToDouble(Result::p50Ms).toArray());
            double p99 = median(e.getValue().stream().mapToDouble(Result::p99Ms).toArray());
            System.out.printf(Locale.ROOT, "  %-28s p50 +%.2f ms, p99 +%.2f ms%n", e.getKey(), p50 - d50, p99 - d99);
        }
    }

    private static String spread(double[] values, int digits) {
        String f = "%." + digits + "f";
        return String.format(Locale.ROOT, f + " (" + f + "-" + f + ")", median(values),
                java.util.Arrays.stream(values).min().orElse(Double.NaN), java.util.Arrays.stream(values).max().orElse(Double.NaN));
    }

    /** Closed loop: {@code inFlight} requests outstanding at all times for {@code duration}. */
    private static Result measure(String baseUrl, int inFlight, Duration duration) throws InterruptedException {
        // Event loops of its own: the gateway runs in this JVM, and must not serve the load generator's callbacks.
        ClientFactory factory = ClientFactory.builder()
                .workerGroup(com.linecorp.armeria.common.util.EventLoopGroups.newEventLoopGroup(2), true)
                .maxNumEventLoopsPerEndpoint(2).build();
        // HTTP/1.1 to every target, as clients of nginx speak it (nginx's listen here is not http2).
        WebClient client = WebClient.builder(baseUrl.replace("http://", "h1c://")).factory(factory).responseTimeout(Duration.ofSeconds(30)).build();
        Latencies latencies = new Latencies(0);
        AtomicLong failed = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + duration.toNanos();
        CountDownLatch finished = new CountDownLatch(inFlight);
        byte[][] bodies = bodies();
        for (int i = 0; i < inFlight; i++) {
            send(client, bodies, i, end, latencies, failed, done, finished);
        }
        long t0 = System.nanoTime();
        finished.await(duration.toSeconds() + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        factory.close();
        return new Result(latencies.percentileMs(50), latencies.percentileMs(99), done.get() / seconds, failed.get());
    }

    private static void send(WebClient client, byte[][] bodies, int i, long end, Latencies latencies, AtomicLong failed,
                             AtomicLong done, CountDownLatch finished) {
        if (System.nanoTime() >= end) {
            finished.countDown();
            return;
        }
        long t0 = System.nanoTime();
        client.execute(HttpRequest.of(HttpMethod.POST, "/v1/models/" + MODEL + "/predict", MediaType.JSON_UTF_8,
                        bodies[i % bodies.length]))
                .aggregate()
                .whenComplete((res, failure) -> {
                    if (failure != null || !res.status().isSuccess()) {
                        failed.incrementAndGet();
                    } else {
                        latencies.add(System.nanoTime() - t0);
                        done.incrementAndGet();
                    }
                    send(client, bodies, i + 997, end, latencies, failed, done, finished);
                });
    }

    private static byte[][] bodies() {
        Random random = new Random(5);
        byte[][] bodies = new byte[1024][];
        for (int i = 0; i < bodies.length; i++) {
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("recency_days", (double) random.nextInt(60));
            f.put("sessions_7d", (double) random.nextInt(20));
            f.put("orders_30d", (double) random.nextInt(5));
            f.put("cart_value", random.nextDouble() * 300);
            bodies[i] = Json.toBytes(Map.of("features", f));
        }
        return bodies;
    }

    private static void awaitState(ServingClient api, long id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!api.rollout(id).path("state").asText().equals(state)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Rollout " + id + " is not " + state + ": " + api.rollout(id));
            }
            Thread.sleep(200);
        }
    }

    private static Path train(Path file, int seed) throws Exception {
        Random random = new Random(seed);
        int n = 5000;
        float[] data = new float[n * 4];
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            data[r * 4] = random.nextInt(60);
            data[r * 4 + 1] = random.nextInt(20);
            data[r * 4 + 2] = random.nextInt(5);
            data[r * 4 + 3] = random.nextFloat() * 300;
            double z = -0.05 * data[r * 4] + 0.2 * data[r * 4 + 1] + 0.5 * data[r * 4 + 2] + 0.005 * data[r * 4 + 3] - 1;
            labels[r] = random.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1f : 0f;
        }
        DMatrix train = new DMatrix(data, n, 4, Float.NaN);
        train.setLabel(labels);
        train.setFeatureNames(new String[] {"recency_days", "sessions_7d", "orders_30d", "cart_value"});
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("max_depth", 5);
        params.put("nthread", 1);
        params.put("seed", seed);
        Booster booster = XGBoost.train(train, params, 50, new HashMap<>(), null, null);
        booster.saveModel(file.toString());
        return file;
    }

    /** {@code overrides} with a fresh database of the shared PostgreSQL for one gateway's state. */
    private static Map<String, String> database(Map<String, String> overrides) throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "serving_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put("postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + name);
        settings.put("postgres.user", shared.get("postgres.user"));
        settings.put("postgres.password", shared.get("postgres.password"));
        return settings;
    }

    /**
     * A gateway in a JVM of its own ({@link GatewayProcess}) with the platform's GC and a 1 GiB heap
     * ({@code BENCH_GATEWAY_JAVA_OPTS} replaces them; {@code GATEWAY_JFR=DIR} records a flight recording
     * of each gateway process there).
     */
    private static Process startGatewayProcess(Path dir, String name, Map<String, String> settings) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        String opts = System.getenv().getOrDefault("BENCH_GATEWAY_JAVA_OPTS", "-Xms256m -Xmx1g -XX:+UseParallelGC");
        command.addAll(List.of(opts.trim().split("\\s+")));
        String jfr = System.getenv("GATEWAY_JFR");
        if (jfr != null && !jfr.isBlank()) {
            command.add("-XX:StartFlightRecording=filename=" + Path.of(jfr, "gateway-" + name + ".jfr").toAbsolutePath()
                    + ",settings=profile,dumponexit=true");
        }
        command.add("-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener");
        command.add(GatewayProcess.class.getName());
        command.add(dir.resolve("gateway-" + name + ".port").toString());
        settings.forEach((k, v) -> command.add(k + "=" + v));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("gateway-" + name + ".log").toFile());
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        return builder.start();
    }

    private static String awaitGatewayPort(Path dir, String name, Process process) throws Exception {
        Path portFile = dir.resolve("gateway-" + name + ".port");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.isRegularFile(portFile)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("The gateway process " + name + " did not start: "
                        + Files.readString(dir.resolve("gateway-" + name + ".log")));
            }
            Thread.sleep(100);
        }
        return "http://127.0.0.1:" + Files.readString(portFile).strip();
    }

    private static Path findNginx() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new IllegalStateException("nginx is not installed: apt-get install -y nginx-light (Debian), then run again");
    }

    /** nginx with the same split and mirror, on two ports, in the foreground under this process. */
    private static Process startNginx(Path nginx, Path prefix, String v1, String v2, int splitPort, int mirrorPort)
            throws Exception {
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("tmp"));
        String hostPort1 = v1.replace("http://", "");
        String hostPort2 = v2.replace("http://", "");
        String tmp = prefix.resolve("tmp").toString();
        String conf = """
                worker_processes 2;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %2$s/body; proxy_temp_path %2$s/proxy; fastcgi_temp_path %2$s/fastcgi;
                  uwsgi_temp_path %2$s/uwsgi; scgi_temp_path %2$s/scgi;
                  upstream v1 { server %3$s; keepalive 64; }
                  upstream v2 { server %4$s; keepalive 64; }
                  split_clients "${request_id}" $backend { 10%% v2; * v1; }
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  server {
                    listen 127.0.0.1:%5$d;
                    location / { proxy_pass http://$backend; }
                  }
                  server {
                    listen 127.0.0.1:%6$d;
                    location / { mirror /_shadow; mirror_request_body on; proxy_pass http://v1; }
                    location = /_shadow { internal; proxy_pass http://v2$request_uri; }
                  }
                }
                """.formatted(prefix, tmp, hostPort1, hostPort2, splitPort, mirrorPort);
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, conf);
        Process p = new ProcessBuilder(nginx.toString(), "-p", prefix.toString(), "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", mirrorPort)) {
                return p;
            } catch (java.io.IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("nginx did not start: " + Files.readString(prefix.resolve("logs/stdout.log")));
                }
                Thread.sleep(100);
            }
        }
    }
}
