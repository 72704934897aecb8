package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ServerProcesses;
import dev.noexcuses.lakehouse.host.HostState;
import dev.noexcuses.lakehouse.host.JobHost;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark job host: a JVM of its own with the ml-pipelines module's classpath (which holds the lakehouse's
 * and the feature store's jobs too), keeping one Spark session warm for the batch jobs that ./platform and
 * the orchestrator run. It starts in the background; jobs run in JVMs of their own until it is ready.
 */
final class SparkJobHostService implements RunningService {
    private static final Logger LOG = LoggerFactory.getLogger(SparkJobHostService.class);
    static final String HOST_MAIN = "dev.noexcuses.lakehouse.host.JobHostMain";
    /** The entry points the host runs: every Spark job of the platform. */
    static final List<String> MAINS = List.of("dev.noexcuses.lakehouse.LakehouseMain",
            "dev.noexcuses.features.FeatureStoreMain", "dev.noexcuses.ml.MlPipelinesMain");

    private final Process process;
    private final Path stateFile;
    private final Path log;
    private final int port;
    private final String disabled;

    SparkJobHostService(Config config) {
        Path dataDir = Path.of(config.getString("platform.data-dir"));
        this.stateFile = HostState.file(dataDir);
        this.log = dataDir.resolve("logs").resolve("spark-job-host.log");
        String why = null;
        Process started = null;
        int chosen = 0;
        if (!config.getBoolean("lakehouse.job-host.enabled")) {
            why = "disabled (lakehouse.job-host.enabled = false): each job runs in a JVM of its own";
        } else {
            try {
                chosen = freePort();
                SparkJobLauncher launcher = new SparkJobLauncher(config, "ml-pipelines", HOST_MAIN);
                Files.deleteIfExists(stateFile);
                Files.createDirectories(log.getParent());
                ProcessBuilder pb = new ProcessBuilder(launcher.hostCommand(HOST_MAIN, chosen, stateFile,
                        ProcessHandle.current().pid(), MAINS))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                pb.environment().putAll(launcher.lakeSecrets());
                byte[] token = new byte[24];
                new SecureRandom().nextBytes(token);
                pb.environment().put(JobHost.TOKEN_ENV, HexFormat.of().formatHex(token));
                started = pb.start();
                awaitListening(started, chosen);
            } catch (IllegalStateException | IOException e) {
                why = "not started (" + e.getMessage() + "): each job runs in a JVM of its own";
                LOG.warn("Spark job host {}", why);
            }
        }
        this.process = started;
        this.port = chosen;
        this.disabled = why;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Its health check answers within seconds (Spark warms up after that), so status sees it from the start. */
    private void awaitListening(Process p, int at) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("it exited with code " + p.exitValue() + ", see " + log);
            }
            if (HttpProbe.ok("http://127.0.0.1:" + at + "/health", "")) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while it started", e);
            }
        }
        LOG.warn("Spark job host does not answer on port {} after 60 s; see {}", at, log);
    }

    @Override
    public String name() {
        return "spark-job-host";
    }

    @Override
    public Map<String, String> endpoints() {
        Map<String, String> endpoints = new LinkedHashMap<>();
        if (disabled != null) {
            endpoints.put("state", disabled);
            return endpoints;
        }
        endpoints.put("url", "http://127.0.0.1:" + port);
        endpoints.put("log", log.toString());
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return disabled != null ? null : "http://127.0.0.1:" + port + "/health";
    }

    @Override
    public boolean isHealthy() {
        return process == null || process.isAlive();
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        ServerProcesses.stop(process, "Spark job host", Duration.ofSeconds(20), stateFile);
    }
}
