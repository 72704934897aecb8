package dev.noexcuses.infra.postgres;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server from the binaries on the classpath, run as a child process. Its
 * cluster is created once under {@code dir/data} and kept, so the metadata survives restarts.
 * As root it runs under an unprivileged account (see {@link ServerAccount}).
 */
public final class EmbeddedPostgres implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
    private static final long START_TIMEOUT_MS = 90_000;

    private final Path dir;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String database;
    private final String sharedBuffers;
    private final String unprivilegedUser;
    private Process server;
    private ServerAccount account;
    private Path binDir;

    public EmbeddedPostgres(Path dir, String host, int port, String user, String password, String database,
                            String sharedBuffers, String unprivilegedUser) {
        this.dir = requireNonNull(dir, "dir is null").toAbsolutePath().normalize();
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        this.user = requireNonNull(user, "user is null");
        this.password = requireNonNull(password, "password is null");
        this.database = requireNonNull(database, "database is null");
        this.sharedBuffers = requireNonNull(sharedBuffers, "sharedBuffers is null");
        this.unprivilegedUser = requireNonNull(unprivilegedUser, "unprivilegedUser is null");
    }

    @Override
    public String name() {
        return "postgres";
    }

    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    private String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    @Override
    public synchronized void start() throws Exception {
        if (server != null) {
            return;
        }
        Files.createDirectories(dir);
        binDir = PostgresBinaries.unpack(dir.resolveSibling("postgres-binaries"));
        account = ServerAccount.forServer(unprivilegedUser);
        account.makeTraversable(binDir);
        Path dataDir = dir.resolve("data");
        Files.createDirectories(dir.resolve("run"));
        account.own(dir);
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            initCluster(dataDir);
        }
        stopLeftOverServer(dataDir);
        List<String> command = account.command(List.of(bin("postgres"), "-D", dataDir.toString(),
                "-p", String.valueOf(port), "-h", host, "-k", dir.resolve("run").toString(),
                "-c", "shared_buffers=" + sharedBuffers, "-c", "max_connections=100",
                "-c", "dynamic_shared_memory_type=mmap", "-c", "logging_collector=off"));
        Path log = dir.resolve("postgres.log");
        server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            awaitAcceptingConnections(log);
            createDatabaseIfMissing();
        } catch (Exception e) {
            stop();
            throw e;
        }
        LOG.info("PostgreSQL started on {}:{} as '{}' (data in {})", host, port, account, dataDir);
    }

    private void initCluster(Path dataDir) throws IOException, InterruptedException {
        Path pwFile = dir.resolve("initdb-password");
        Files.writeString(pwFile, password + "\n", StandardCharsets.UTF_8);
        account.own(pwFile);
        try {
            run(account.command(List.of(bin("initdb"), "-D", dataDir.toString(), "-U", user,
                    "--pwfile=" + pwFile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C")), "initdb");
        } finally {
            Files.deleteIfExists(pwFile);
        }
        LOG.info("Created a PostgreSQL cluster in {}", dataDir);
    }

    @Override
    public synchronized boolean stopLeftover() throws IOException, InterruptedException {
        if (server != null || !Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
            return false;
        }
        binDir = PostgresBinaries.unpack(dir.resolveSibling("postgres-binaries"));
        account = ServerAccount.forServer(unprivilegedUser);
        return stopLeftOverServer(dir.resolve("data"));
    }

    /** A server left running by a process that was killed holds the port and the data: stop it. */
    private boolean stopLeftOverServer(Path dataDir) throws IOException, InterruptedException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.isEmpty()) {
            return false;
        }
        long pid = Long.parseLong(lines.get(0).trim());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (alive) {
            LOG.warn("Stopping a PostgreSQL server (pid {}) left running on {}", pid, dataDir);
            run(account.command(List.of(bin("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", "fast", "-w",
                    "-t", "60")), "pg_ctl stop");
        }
        return alive;
    }

    private void awaitAcceptingConnections(Path log) throws Exception {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        SQLException last = null;
        while (System.currentTimeMillis() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("PostgreSQL exited with code " + server.exitValue()
                        + " (is port " + port + " in use?); log " + log + ":\n" + tail(log));
            }
            try (Connection c = connect("postgres", 2)) {
                return;
            } catch (SQLException e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("PostgreSQL did not accept connections on " + host + ":" + port
                + " within " + START_TIMEOUT_MS / 1000 + " s: " + (last == null ? "" : last.getMessage())
                + "; log " + log + ":\n" + tail(log));
    }

    private void createDatabaseIfMissing() throws SQLException {
        try (Connection c = connect("postgres", 10);
             PreparedStatement exists = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, database);
            if (!exists.executeQuery().next()) {
                try (Statement create = c.createStatement()) {
                    create.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
                }
                LOG.info("Created database {}", database);
            }
        }
    }

    private Connection connect(String db, int timeoutSeconds) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("loginTimeout", String.valueOf(timeoutSeconds));
        props.setProperty("connectTimeout", String.valueOf(timeoutSeconds));
        return DriverManager.getConnection(jdbcUrl(db), props);
    }

    private String bin(String name) {
        return binDir.resolve("bin").resolve(name).toString();
    }

    private static void run(List<String> command, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(what + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(what + " failed with exit code " + p.exitValue() + ": " + out.trim());
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read the log: " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            if (server.isAlive()) {
                List<String> command = new ArrayList<>(account.command(List.of(bin("pg_ctl"), "stop", "-D",
                        dir.resolve("data").toString(), "-m", "fast", "-w", "-t", "30")));
                try {
                    run(command, "pg_ctl stop");
                } catch (IOException e) {
                    LOG.warn("pg_ctl stop failed, killing the server: {}", e.getMessage());
                }
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            LOG.info("PostgreSQL on {}:{} stopped", host, port);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.destroyForcibly();
        } finally {
            server = null;
        }
    }

    @Override
    public synchronized boolean isHealthy() {
        if (server == null || !server.isAlive()) {
            return false;
        }
        try (Connection c = connect(database, 2); Statement s = c.createStatement()) {
            return s.execute("SELECT 1");
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public Map<String, String> connectionDetails() {
        return Map.of("jdbc_url", jdbcUrl(), "user", user, "password", password, "data_dir", dir.toString());
    }

    @Override
    public Map<String, String> serviceConfig() {
        return PostgresFactory.serviceConfig(jdbcUrl(), user, password);
    }
}
