package dev.noexcuses.infra.redis;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.ServerProcesses;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Redis server run as a child process, its files under {@code dir}: {@code data/} (append-only file,
 * fsynced every second, and snapshots, so values survive a restart), {@code redis.conf} (written at every
 * start), {@code redis.log}. It listens on {@code host} only and asks for a password: the configured
 * {@code redis.password}, else one generated at the first start and kept in {@code dir/password}, readable by
 * its owner only, like {@code platform.json}. The password goes to the server in its configuration file, never
 * on a command line.
 */
public final class EmbeddedRedis implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String OWNER_ONLY = "rw-------";

    private final Path dir;
    private final String configuredBinary;
    private final String host;
    private final int port;
    private final String configuredPassword;
    private final long maxMemoryBytes;
    private final Duration startTimeout;
    private volatile Process process;
    private volatile RedisAccess access;
    private volatile String version = "";

    public EmbeddedRedis(Path dir, String configuredBinary, String host, int port, String configuredPassword,
                         long maxMemoryBytes, Duration startTimeout) {
        this.dir = requireNonNull(dir, "dir is null").toAbsolutePath().normalize();
        this.configuredBinary = requireNonNull(configuredBinary, "configuredBinary is null");
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        this.configuredPassword = requireNonNull(configuredPassword, "configuredPassword is null");
        if (maxMemoryBytes < 16L << 20) {
            throw new IllegalArgumentException("Invalid local-infra.redis.max-memory " + maxMemoryBytes
                    + " bytes: expected at least 16m");
        }
        this.maxMemoryBytes = maxMemoryBytes;
        this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
    }

    @Override
    public String name() {
        return "redis";
    }

    /** How to connect; known once started. */
    public RedisAccess access() {
        RedisAccess a = access;
        if (a == null) {
            throw new IllegalStateException("Redis is not started");
        }
        return a;
    }

    @Override
    public synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        RedisBinary binary = RedisBinary.locate(configuredBinary, dir.resolve("bin"));
        version = binary.version();
        String password = configuredPassword.isBlank() ? storedPassword() : configuredPassword;
        access = new RedisAccess("redis://" + host + ":" + port, "", password, "", false);
        stopLeftover();
        Path conf = writeConfig(data, password);
        Path log = dir.resolve("redis.log");
        ProcessBuilder builder = new ProcessBuilder(binary.path().toString(), conf.toString())
                .directory(data.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.out").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        long t0 = System.nanoTime();
        process = builder.start();
        Files.writeString(dir.resolve("redis.pid"), Long.toString(process.pid()));
        try {
            awaitReady(log);
        } catch (Exception e) {
            stop();
            throw e;
        }
        LOG.info("Redis {} started on {}:{} in {} ms (data in {})", version, host, port,
                (System.nanoTime() - t0) / 1_000_000, data);
    }

    /** The generated password, made at the first start and kept for the next ones (clients and files keep working). */
    private String storedPassword() throws IOException {
        Path file = dir.resolve("password");
        if (Files.isRegularFile(file)) {
            String stored = Files.readString(file).trim();
            if (!stored.isEmpty()) {
                return stored;
            }
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        writeOwnerOnly(file, password + "\n");
        return password;
    }

    private Path writeConfig(Path data, String password) throws IOException {
        StringBuilder conf = new StringBuilder("# Written by local-infra at every start; edit local-infra.redis.* instead.\n");
        conf.append("bind ").append(host).append('\n');
        conf.append("port ").append(port).append('\n');
        conf.append("protected-mode yes\n");
        conf.append("daemonize no\n");
        conf.append("requirepass ").append(quoted(password)).append('\n');
        conf.append("dir ").append(quoted(data.toString())).append('\n');
        conf.append("logfile ").append(quoted(dir.resolve("redis.log").toString())).append('\n');
        // Persistence: every write in the append-only file, fsynced each second, and snapshots to restart fast.
        conf.append("appendonly yes\n");
        conf.append("appendfsync everysec\n");
        conf.append("save 900 1\nsave 300 10\nsave 60 10000\n");
        conf.append("dbfilename dump.rdb\n");
        // A full server refuses writes rather than silently dropping keys: a materialisation then fails loudly.
        conf.append("maxmemory ").append(maxMemoryBytes).append('\n');
        conf.append("maxmemory-policy noeviction\n");
        Path file = dir.resolve("redis.conf");
        writeOwnerOnly(file, conf.toString());
        return file;
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(OWNER_ONLY)));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private void awaitReady(Path log) throws Exception {
        RedisProbe probe = new RedisProbe(access);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null) {
                throw new IllegalStateException("Redis was stopped while starting");
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("Redis exited with code " + p.exitValue() + " while starting (is port "
                        + port + " in use?); last lines of " + log + ":\n" + tail(log));
            }
            try {
                probe.ping(Duration.ofSeconds(2));
                return;
            } catch (IOException e) {
                // Not listening yet, or still loading its data (it answers LOADING meanwhile).
                last = e.getMessage();
            }
            p.waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("Redis did not answer on " + host + ":" + port + " within " + startTimeout
                + " (local-infra.redis.start-timeout): " + last + "; last lines of " + log + ":\n" + tail(log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    /** A server left running by a platform that was killed holds the port and the data: it is stopped (and saves). */
    @Override
    public synchronized boolean stopLeftover() throws IOException {
        if (process != null && process.isAlive()) {
            return false;
        }
        Optional<ProcessHandle> leftover = ServerProcesses.recorded(dir.resolve("redis.pid"))
                .filter(EmbeddedRedis::isRedisServer);
        if (leftover.isEmpty()) {
            return false;
        }
        LOG.warn("Stopping a Redis server left running by an earlier run (pid {})", leftover.get().pid());
        ServerProcesses.terminate(List.of(leftover.get()), Duration.ofSeconds(60));
        return true;
    }

    private static boolean isRedisServer(ProcessHandle handle) {
        ProcessHandle.Info info = handle.info();
        return info.command().orElse("").contains("redis-server") || info.commandLine().orElse("").contains("redis-server");
    }

    @Override
    public void stop() {
        Process stopped;
        synchronized (this) {
            stopped = process;
            process = null;
        }
        if (stopped == null) {
            return;
        }
        // SIGTERM: Redis writes a last snapshot and flushes its append-only file before it exits.
        ServerProcesses.stop(stopped, "Redis", Duration.ofSeconds(60), dir.resolve("redis.pid"));
        LOG.info("Redis on {}:{} stopped", host, port);
    }

    /** The operating-system process of the running server, if any. */
    public Optional<ProcessHandle> process() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.toHandle());
    }

    @Override
    public boolean isHealthy() {
        Process p = process;
        RedisAccess a = access;
        return p != null && p.isAlive() && a != null && new RedisProbe(a).ready(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        RedisAccess a = access;
        details.put("url", a == null ? "redis://" + host + ":" + port : a.url());
        details.put("password", a == null ? "" : a.password());
        details.put("version", version.isBlank() ? "redis" : "redis " + version);
        details.put("persistence", "append-only file (fsync every second) and snapshots");
        details.put("data_dir", dir.resolve("data").toString());
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        RedisAccess a = access;
        return a == null ? Map.of() : a.serviceConfig();
    }
}
