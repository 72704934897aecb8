package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.ServerProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Trino server (coordinator and worker in one) run as a child process on a JDK 24+:
 * bound to loopback, an explicit heap, catalog {@code lake} over the platform's Iceberg JDBC catalog and
 * S3, its configuration, working files and logs under the platform's data directory. It runs as the
 * user the platform runs as (Trino does not refuse root), so its files stay that user's.
 */
public final class EmbeddedTrino implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTrino.class);
    private static final String MAIN_CLASS = "io.trino.server.TrinoServer";

    private final TrinoDistribution distribution;
    private final Path installDir;
    private final JdkFinder.Jdk jdk;
    private final Path dir;
    private final String host;
    private final int port;
    private final long heapBytes;
    private final Duration startTimeout;
    private final Map<String, String> lakeCatalog;
    private final TrinoAccess access;
    private final TrinoProbe probe;
    private volatile Process process;
    private volatile boolean stopping;

    /**
     * @param dir where the server keeps its files: {@code etc/} (written at every start), {@code var/}, {@code logs/}
     * @param lakeCatalog the Iceberg connector's properties for catalog {@code access.catalog()}
     */
    EmbeddedTrino(TrinoDistribution distribution, Path installDir, JdkFinder.Jdk jdk, Path dir, String host, int port,
                  long heapBytes, Duration startTimeout, Map<String, String> lakeCatalog, String user, String catalog) {
        this.distribution = requireNonNull(distribution, "distribution is null");
        this.installDir = requireNonNull(installDir, "installDir is null");
        this.jdk = requireNonNull(jdk, "jdk is null");
        this.dir = requireNonNull(dir, "dir is null").toAbsolutePath().normalize();
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        if (heapBytes < 512L * 1024 * 1024) {
            throw new IllegalArgumentException("Invalid local-infra.trino.heap " + heapBytes
                    + " bytes: expected at least 512m");
        }
        this.heapBytes = heapBytes;
        this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
        this.lakeCatalog = Map.copyOf(lakeCatalog);
        this.access = new TrinoAccess("http://" + host + ":" + port, user, "", catalog, "", false);
        this.probe = new TrinoProbe(access);
    }

    @Override
    public String name() {
        return "trino";
    }

    public TrinoAccess access() {
        return access;
    }

    /**
     * Starts the server and waits until it accepts queries. {@link #stop()} from another thread ends the wait,
     * so a platform stopping while Trino still starts does not hang.
     */
    @Override
    public void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        stopping = false;
        if (lakeCatalog.getOrDefault("iceberg.jdbc-catalog.connection-url", "").isBlank()) {
            throw new IllegalStateException("Trino needs the lake's catalog database: postgres.jdbc-url is blank");
        }
        Path home = distribution.install(installDir);
        Path etc = writeConfig(home);
        Path logs = Files.createDirectories(dir.resolve("logs"));
        Path work = Files.createDirectories(dir.resolve("var"));
        Files.createDirectories(dir.resolve("tmp"));
        stopLeftover(dir.resolve("trino.pid"));

        List<String> command = new ArrayList<>();
        command.add(jdk.java().toString());
        command.addAll(jvmOptions(logs));
        command.add("-Dconfig=" + etc.resolve("config.properties"));
        command.add("-Dlog.levels-file=" + etc.resolve("log.properties"));
        command.add("-cp");
        command.add(home.resolve("lib") + File.separator + "*");
        command.add(MAIN_CLASS);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("console.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // The server gets exactly the options above, not the platform JVM's.
        builder.environment().keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS"));
        builder.environment().put("JAVA_HOME", jdk.home().toString());
        long t0 = System.nanoTime();
        synchronized (this) {
            if (stopping) {
                throw new IllegalStateException("Trino was stopped before it started");
            }
            process = builder.start();
        }
        Files.writeString(dir.resolve("trino.pid"), Long.toString(process.pid()));
        try {
            awaitReady(logs);
        } catch (Exception e) {
            stop();
            throw e;
        }
        LOG.info("Trino {} started on {} in {} ms (Java {}, heap {} MB, files in {})", distribution.version(),
                access.url(), (System.nanoTime() - t0) / 1_000_000, jdk.feature(), heapBytes >> 20, dir);
    }

    private List<String> jvmOptions(Path logs) {
        return List.of(
                "-Xmx" + (heapBytes >> 20) + "m",
                "-XX:+UseG1GC",
                "-XX:+ExplicitGCInvokesConcurrent",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:-OmitStackTraceInFastThrow",
                // Trino's defaults are sized for big servers; this one shares a laptop.
                "-XX:ReservedCodeCacheSize=256M",
                "-XX:PerMethodRecompilationCutoff=10000",
                "-XX:PerBytecodeRecompilationCutoff=10000",
                "-Djdk.attach.allowAttachSelf=true",
                "-Djdk.nio.maxCachedBufferSize=2000000",
                "-XX:+EnableDynamicAgentLoading",
                "--enable-native-access=ALL-UNNAMED",
                "-Dfile.encoding=UTF-8",
                "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                "-XX:ErrorFile=" + logs.resolve("hs_err_pid%p.log"));
    }

    private Path writeConfig(Path home) throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path catalogs = Files.createDirectories(etc.resolve("catalog"));
        Path logs = dir.resolve("logs");
        Map<String, String> server = new LinkedHashMap<>();
        server.put("coordinator", "true");
        server.put("node-scheduler.include-coordinator", "true");
        server.put("node.environment", "noexcuses");
        server.put("node.id", "local");
        server.put("node.bind-ip", host);
        server.put("node.internal-address", host);
        server.put("http-server.http.port", String.valueOf(port));
        server.put("discovery.uri", access.url());
        server.put("plugin.dir", home.resolve("plugin").toString());
        server.put("catalog.config-dir", catalogs.toString());
        server.put("log.path", logs.resolve("server.log").toString());
        server.put("log.max-size", "100MB");
        server.put("log.max-total-size", "500MB");
        server.put("http-server.log.path", logs.resolve("http-request.log").toString());
        writeProperties(etc.resolve("config.properties"), server);
        writeProperties(etc.resolve("log.properties"), Map.of("io.trino", "INFO"));
        // Only the catalogs written now: a catalog renamed in the configuration must not linger.
        try (var old = Files.list(catalogs)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        writeProperties(catalogs.resolve(access.catalog() + ".properties"), lakeCatalog);
        return etc;
    }

    private static void writeProperties(Path file, Map<String, String> properties) throws IOException {
        StringBuilder text = new StringBuilder("# Written by local-infra at every start; edit local-infra.trino.* instead.\n");
        properties.forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Files.writeString(file, text);
        // The catalog holds the database and S3 credentials.
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Override
    public synchronized boolean stopLeftover() throws IOException {
        return (process == null || !process.isAlive()) && stopLeftover(dir.resolve("trino.pid"));
    }

    /** A server left running by a platform that was killed would hold the port: it is stopped first. */
    private static boolean stopLeftover(Path pidFile) throws IOException {
        Optional<ProcessHandle> leftover = ServerProcesses.recorded(pidFile)
                .filter(p -> p.info().commandLine().orElse("").contains(MAIN_CLASS));
        if (leftover.isEmpty()) {
            return false;
        }
        LOG.warn("Stopping a Trino server left running by an earlier run (pid {})", leftover.get().pid());
        ServerProcesses.terminate(List.of(leftover.get()), Duration.ofSeconds(30));
        return true;
    }

    private void awaitReady(Path logs) throws Exception {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null || stopping) {
                throw new IllegalStateException("Trino was stopped while starting");
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("Trino exited with code " + p.exitValue() + " while starting; its "
                        + "last error (logs in " + logs + "):\n" + tail(logs));
            }
            if (probe.ready(Duration.ofSeconds(2))) {
                return;
            }
            p.waitFor(500, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("Trino did not accept queries on " + access.url() + " within " + startTimeout
                + " (local-infra.trino.start-timeout); last lines of its log:\n" + tail(logs));
    }

    /** The last error the server logged (configuration errors go to the console, before its log is set up). */
    private static String tail(Path logs) {
        List<String> lines = new ArrayList<>();
        for (String name : List.of("console.log", "server.log")) {
            try {
                lines.addAll(Files.readAllLines(logs.resolve(name)));
            } catch (IOException e) {
                // Not written yet.
            }
        }
        int from = Math.max(0, lines.size() - 30);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains("\tERROR\t")) {
                from = i;
                break;
            }
        }
        List<String> shown = lines.subList(from, lines.size()).stream()
                .filter(l -> !l.startsWith("\tat ")).limit(30).toList();
        return shown.isEmpty() ? "(nothing logged yet)" : String.join("\n", shown);
    }

    @Override
    public void stop() {
        Process stopped;
        synchronized (this) {
            stopping = true;
            stopped = process;
            process = null;
        }
        if (stopped == null) {
            return;
        }
        // SIGTERM: Trino's shutdown hook ends running queries and closes the catalogs.
        ServerProcesses.stop(stopped, "Trino", Duration.ofSeconds(30), dir.resolve("trino.pid"));
        LOG.info("Trino on {} stopped", access.url());
    }

    /** The operating-system process of the running server, if any. */
    public Optional<ProcessHandle> process() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.toHandle());
    }

    @Override
    public boolean isHealthy() {
        Process p = process;
        return p != null && p.isAlive() && probe.ready(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", access.url());
        details.put("jdbc_url", access.jdbcUrl());
        details.put("user", access.user());
        details.put("catalog", access.catalog());
        details.put("version", "trino " + distribution.version() + " on Java " + jdk.feature());
        details.put("heap", (heapBytes >> 20) + "m");
        details.put("logs", dir.resolve("logs").toString());
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return access.serviceConfig();
    }
}
