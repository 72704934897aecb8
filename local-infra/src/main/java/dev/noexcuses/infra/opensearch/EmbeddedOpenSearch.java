package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.ServerProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node OpenSearch server, run as a child process from the distribution Maven resolved:
 * bound to loopback, security off, an explicit heap, its data kept under the platform's data directory
 * between runs. When this JVM is root it runs under an unprivileged account, since OpenSearch refuses root.
 */
public final class EmbeddedOpenSearch implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedOpenSearch.class);
    /** Where the files go when a parent of the data directory (such as root's home) shuts other accounts out. */
    private static final Path SHARED_ROOT = Path.of("/var/tmp/noexcuses-opensearch");

    private final OpenSearchDistribution distribution;
    private final Path configuredHome;
    private final String host;
    private final int httpPort;
    private final int transportPort;
    private final long heapBytes;
    private final Duration startTimeout;
    private final String accountName;
    private final OpenSearchProbe probe;
    private Path home;
    private Process process;

    /**
     * @param home where the node keeps its files: config, data, logs, and the unpacked server
     * @param accountName the account to run under when this JVM is root
     */
    EmbeddedOpenSearch(OpenSearchDistribution distribution, Path home, String host, int httpPort, int transportPort,
                       long heapBytes, Duration startTimeout, String accountName) {
        this.distribution = requireNonNull(distribution, "distribution is null");
        this.configuredHome = requireNonNull(home, "home is null").toAbsolutePath().normalize();
        this.host = requireNonNull(host, "host is null");
        this.httpPort = httpPort;
        this.transportPort = transportPort;
        if (heapBytes < 256L * 1024 * 1024) {
            throw new IllegalArgumentException("Invalid local-infra.opensearch.heap " + heapBytes
                    + " bytes: expected at least 256m");
        }
        this.heapBytes = heapBytes;
        this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
        this.accountName = requireNonNull(accountName, "accountName is null");
        this.probe = new OpenSearchProbe(OpenSearchAccess.local(url()));
    }

    @Override
    public String name() {
        return "opensearch";
    }

    public String url() {
        return "http://" + host + ":" + httpPort;
    }

    @Override
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        boolean root = ServiceAccount.runningAsRoot();
        Optional<ServiceAccount> account = root ? Optional.of(ServiceAccount.ensure(accountName)) : Optional.empty();
        home = root ? reachableHome() : Files.createDirectories(configuredHome);
        Path server = distribution.unpackInto(home.resolve("server"));
        Path config = writeConfig(home);
        for (String dir : List.of("data", "logs", "tmp")) {
            Files.createDirectories(home.resolve(dir));
        }
        stopLeftover(home.resolve("opensearch.pid"));
        if (account.isPresent()) {
            for (String dir : List.of("config", "data", "logs", "tmp")) {
                account.get().own(home.resolve(dir));
            }
        }

        List<String> command = new ArrayList<>();
        account.ifPresent(a -> command.addAll(a.runAs()));
        command.add(server.resolve("bin/opensearch").toString());
        command.add("-p");
        command.add(home.resolve("tmp/opensearch.pid").toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(server.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs/console.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        // The launcher would pick these up; the node gets exactly the options written in jvm.options.
        env.keySet().removeAll(List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "OPENSEARCH_JAVA_OPTS",
                "JAVA_HOME"));
        env.put("OPENSEARCH_JAVA_HOME", System.getProperty("java.home"));
        env.put("OPENSEARCH_PATH_CONF", config.toString());
        env.put("OPENSEARCH_TMPDIR", home.resolve("tmp").toString());
        long t0 = System.nanoTime();
        process = builder.start();
        Files.writeString(home.resolve("opensearch.pid"), Long.toString(process.pid()));
        try {
            awaitHealthy();
        } catch (Exception e) {
            stop();
            throw e;
        }
        LOG.info("OpenSearch {} started on {} in {} ms (heap {} MB{}, files in {})", distribution.version(), url(),
                (System.nanoTime() - t0) / 1_000_000, heapBytes >> 20,
                account.map(a -> ", as " + a.name()).orElse(""), home);
    }

    /**
     * The node's files where the service account can reach them: the configured directory, letting other
     * accounts pass through the data directory's own folders (o+x, no listing); elsewhere when a parent
     * outside it, such as root's home (mode 700), shuts them out.
     */
    private Path reachableHome() throws IOException {
        Path dataDir = configuredHome.getParent();
        Files.createDirectories(configuredHome);
        Path real = configuredHome.toRealPath();
        Path realDataDir = dataDir.toRealPath();
        boolean blockedAbove = false;
        for (Path dir = real; dir != null; dir = dir.getParent()) {
            if (ServiceAccount.traversableByOthers(dir)) {
                continue;
            }
            if (dir.startsWith(realDataDir)) {
                ServiceAccount.allowTraversal(dir);
            } else {
                blockedAbove = true;
            }
        }
        if (!blockedAbove) {
            return real;
        }
        Path shared = SHARED_ROOT.resolve(shortHash(real.toString()));
        Files.createDirectories(shared);
        ServiceAccount.allowTraversal(SHARED_ROOT);
        ServiceAccount.allowTraversal(shared);
        Path note = real.resolve("MOVED.txt");
        if (!Files.exists(note)) {
            Files.writeString(note, "OpenSearch keeps this data directory's files in " + shared + ": a parent of "
                    + real + " is closed to other accounts, and OpenSearch runs as one (it refuses root).\n");
        }
        return shared;
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path writeConfig(Path nodeHome) throws IOException {
        Path config = Files.createDirectories(nodeHome.resolve("config"));
        Files.createDirectories(config.resolve("jvm.options.d"));
        Path server = nodeHome.resolve("server/opensearch-" + distribution.version());
        Files.copy(server.resolve("config/log4j2.properties"), config.resolve("log4j2.properties"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(config.resolve("opensearch.yml"), String.join("\n",
                "# Written by local-infra at every start; edit local-infra.opensearch.* instead.",
                "cluster.name: noexcuses",
                "node.name: local",
                "discovery.type: single-node",
                "network.host: " + host,
                "http.port: " + httpPort,
                "transport.port: " + transportPort,
                "path.data: " + nodeHome.resolve("data"),
                "path.logs: " + nodeHome.resolve("logs"),
                // A nearly full disk must not turn the indices read-only under a local run.
                "cluster.routing.allocation.disk.threshold_enabled: false",
                ""));
        long heapMb = heapBytes >> 20;
        Files.writeString(config.resolve("jvm.options"), String.join("\n",
                "-Xms" + heapMb + "m",
                "-Xmx" + heapMb + "m",
                "-XX:+UseG1GC",
                "-Djava.io.tmpdir=${OPENSEARCH_TMPDIR}",
                "-XX:ErrorFile=" + nodeHome.resolve("logs/hs_err_pid%p.log"),
                "-Xlog:disable",
                "-Xlog:all=warning:stderr",
                "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
                        + "org.opensearch.secure_sm.SecuredForkJoinWorkerThreadFactory",
                "18-:-Djava.security.manager=allow",
                ""));
        return config;
    }

    @Override
    public synchronized boolean stopLeftover() throws IOException {
        if (process != null && process.isAlive()) {
            return false;
        }
        // Where start() put the node's files: the configured directory, or the shared one it moved to.
        List<Path> homes = new ArrayList<>(List.of(configuredHome));
        if (Files.isDirectory(configuredHome)) {
            homes.add(SHARED_ROOT.resolve(shortHash(configuredHome.toRealPath().toString())));
        }
        boolean stopped = false;
        for (Path candidate : homes) {
            stopped |= stopLeftover(candidate.resolve("opensearch.pid"));
        }
        return stopped;
    }

    /**
     * A node left running by a JVM that was killed would hold the ports: it is stopped first, with the
     * processes under it (as root the recorded process is the account switch, the node its child).
     */
    private static boolean stopLeftover(Path pidFile) throws IOException {
        Optional<ProcessHandle> leftover = ServerProcesses.recorded(pidFile);
        if (leftover.isEmpty()) {
            return false;
        }
        List<ProcessHandle> node = new ArrayList<>(leftover.get().descendants().toList());
        String commandLine = leftover.get().info().commandLine().orElse("")
                + node.stream().map(p -> p.info().commandLine().orElse("")).reduce("", String::concat);
        if (!commandLine.contains("opensearch")) {
            return false;
        }
        node.add(0, leftover.get());
        LOG.warn("Stopping an OpenSearch node left running by an earlier run (pid {})", leftover.get().pid());
        ServerProcesses.terminate(node, Duration.ofSeconds(30));
        return true;
    }

    private void awaitHealthy() throws Exception {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("OpenSearch exited with code " + process.exitValue()
                        + " while starting; last lines of " + home.resolve("logs/console.log") + ":\n" + consoleTail());
            }
            if (probe.usable(Duration.ofSeconds(1))) {
                return;
            }
            process.waitFor(250, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("OpenSearch did not become healthy on " + url() + " within " + startTimeout
                + " (local-infra.opensearch.start-timeout); last lines of its console:\n" + consoleTail());
    }

    private String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("logs/console.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no console log: " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process stopping = process;
        process = null;
        // The launcher exec's into the JVM (and setpriv into the launcher), so this is OpenSearch itself.
        ServerProcesses.stop(stopping, "OpenSearch", Duration.ofSeconds(30), home.resolve("opensearch.pid"), true);
        LOG.info("OpenSearch on {} stopped", url());
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The operating-system process of the running node, if any. */
    public synchronized Optional<ProcessHandle> process() {
        return process == null ? Optional.empty() : Optional.of(process.toHandle());
    }

    @Override
    public boolean isHealthy() {
        return isRunning() && probe.usable(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public synchronized Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", url());
        details.put("version", "opensearch " + distribution.version());
        details.put("data_dir", (home == null ? configuredHome : home).resolve("data").toString());
        details.put("heap", (heapBytes >> 20) + "m");
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("opensearch.url", url());
    }
}
