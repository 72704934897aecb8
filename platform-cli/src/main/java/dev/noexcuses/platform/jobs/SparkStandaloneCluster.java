package dev.noexcuses.platform.jobs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.File;
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
import java.util.List;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on this machine from the lakehouse module's own Spark jars: a master and
 * its workers, each a process of its own, bound to loopback, with the cores and memory each worker
 * offers stated explicitly. Jobs run on it when {@code lakehouse.master} is its URL. The worker starts
 * executors with the jars under {@code SPARK_HOME/jars}, so a Spark home of links to those jars is
 * made in the data directory.
 */
public final class SparkStandaloneCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private final Settings settings;
    private final List<Process> processes;

    /** {@code lakehouse.spark-cluster.*}. */
    public record Settings(String host, int masterPort, int masterUiPort, int workers, int workerCores, String workerMemory,
                           String daemonMemory) {
        public Settings {
            requireNonNull(host, "host is null");
            if (workers < 1 || workerCores < 1) {
                throw new IllegalArgumentException("Invalid lakehouse.spark-cluster: " + workers + " worker(s) of "
                        + workerCores + " core(s), expected at least 1 of 1");
            }
        }

        public static Settings from(Config config) {
            Config c = config.getConfig("lakehouse.spark-cluster");
            return new Settings(c.getString("host"), c.getInt("master-port"), c.getInt("master-ui-port"), c.getInt("workers"),
                    c.getInt("worker-cores"), c.getString("worker-memory"), c.getString("daemon-memory"));
        }

        public String masterUrl() {
            return "spark://" + host + ":" + masterPort;
        }

        public String masterUiUrl() {
            return "http://" + host + ":" + masterUiPort;
        }
    }

    private SparkStandaloneCluster(Settings settings, List<Process> processes) {
        this.settings = settings;
        this.processes = processes;
    }

    /**
     * The standalone master's web UI the advisor reads the workers from: {@code lakehouse.master-ui},
     * else this platform's cluster when {@code lakehouse.master} is its URL, else none (derived from the master).
     */
    public static String masterUi(Config config) {
        if (config.hasPath("lakehouse.master-ui") && !config.getString("lakehouse.master-ui").isBlank()) {
            return config.getString("lakehouse.master-ui");
        }
        if (config.hasPath("lakehouse.spark-cluster")) {
            Settings own = Settings.from(config);
            if (config.getString("lakehouse.master").equals(own.masterUrl())) {
                return own.masterUiUrl();
            }
        }
        return "";
    }

    /** Starts the master, then the workers, and waits until every worker is alive at the master. */
    public static SparkStandaloneCluster start(Settings settings, Path lakehouseTarget, Path dataDir, PrintStream out)
            throws IOException, InterruptedException {
        Path sparkHome = sparkHome(lakehouseTarget, dataDir.resolve("spark-home"));
        Path logs = Files.createDirectories(dataDir.resolve("logs"));
        List<Process> processes = new ArrayList<>();
        SparkStandaloneCluster cluster = new SparkStandaloneCluster(settings, processes);
        try {
            out.printf("Starting a Spark standalone cluster: master %s (UI %s), %d worker(s) of %d core(s) and %s ...%n",
                    settings.masterUrl(), settings.masterUiUrl(), settings.workers(), settings.workerCores(),
                    settings.workerMemory());
            processes.add(daemon(sparkHome, settings, logs.resolve("spark-master.log"), "org.apache.spark.deploy.master.Master",
                    "--host", settings.host(), "--port", String.valueOf(settings.masterPort()),
                    "--webui-port", String.valueOf(settings.masterUiPort())));
            cluster.awaitWorkers(0);
            for (int i = 1; i <= settings.workers(); i++) {
                Path work = Files.createDirectories(dataDir.resolve("spark-work/worker-" + i));
                processes.add(daemon(sparkHome, settings, logs.resolve("spark-worker-" + i + ".log"),
                        "org.apache.spark.deploy.worker.Worker", "--host", settings.host(), "--port", "0",
                        "--webui-port", "0", "--cores", String.valueOf(settings.workerCores()),
                        "--memory", settings.workerMemory(), "--work-dir", work.toString(), settings.masterUrl()));
            }
            cluster.awaitWorkers(settings.workers());
            out.printf("Spark cluster ready: %s with %d worker(s); jobs run on it with --set lakehouse.master=%s%n",
                    settings.masterUrl(), settings.workers(), settings.masterUrl());
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    public Settings settings() {
        return settings;
    }

    private static Process daemon(Path sparkHome, Settings settings, Path log, String main, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx" + settings.daemonMemory()));
        cmd.addAll(SparkJobLauncher.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", sparkHome.resolve("jars") + File.separator + "*", main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        // The daemons and the executors they start stay on the stated address, not the host's other interfaces.
        pb.environment().put("SPARK_LOCAL_IP", settings.host());
        return pb.start();
    }

    /** A Spark home whose jars/ links to the lakehouse module's runtime classpath and its own jar. */
    private static Path sparkHome(Path lakehouseTarget, Path home) throws IOException {
        Path lib = lakehouseTarget.resolve("lib");
        Path jar = lakehouseTarget.resolve("lakehouse-0.1.0-SNAPSHOT.jar");
        if (!Files.isDirectory(lib) || !Files.isRegularFile(jar)) {
            throw new IllegalStateException("The lakehouse jobs are not built at " + lakehouseTarget
                    + ": run ./mvnw -pl lakehouse -am -DskipTests package");
        }
        Path jars = home.resolve("jars");
        if (Files.isDirectory(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(jars);
        try (Stream<Path> libs = Stream.concat(Files.list(lib), Stream.of(jar))) {
            for (Path p : libs.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        return home;
    }

    /** Waits until the master's UI answers with at least {@code workers} alive workers. */
    private void awaitWorkers(int workers) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("A Spark cluster process exited with " + p.exitValue()
                            + ": see the data directory's logs/spark-*.log");
                }
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(settings.masterUiUrl() + "/json/"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    JsonNode json = new ObjectMapper().readTree(r.body());
                    int alive = json.path("aliveworkers").asInt();
                    if (alive >= workers) {
                        return;
                    }
                    last = alive + " alive worker(s)";
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("The Spark master at " + settings.masterUiUrl() + " did not report " + workers
                + " alive worker(s) within " + START_TIMEOUT.toSeconds() + " s (" + last + ")");
    }

    /** Stops the workers, then the master. */
    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
