package dev.noexcuses.infra;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.files.FileTrees;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.infra.kafka.EmbeddedKafka;
import dev.noexcuses.infra.kafka.KafkaFactory;
import dev.noexcuses.infra.kafka.TopicSetup;
import dev.noexcuses.infra.opensearch.OpenSearchFactory;
import dev.noexcuses.infra.postgres.PostgresFactory;
import dev.noexcuses.infra.redis.RedisFactory;
import dev.noexcuses.infra.s3.S3Factory;
import dev.noexcuses.infra.trino.TrinoFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one harness that starts the platform's infrastructure, for {@code ./platform} and for tests
 * alike. Each component is embedded (a real server started here) unless the configuration points
 * at an external one. {@link #serviceConfig(Config)} gives services the resulting connection keys.
 *
 * <p>{@link #start()} starts every component; {@link #start(String...)} only the named ones (tests
 * that need Kafka alone do not pay for OpenSearch), and may be called again to add more. Components that take
 * long to start (Trino) are started by name, or by {@link #startInBackground(String)} while the rest of the
 * platform comes up.
 */
public final class LocalInfra implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

    /** Every kind of component, in start order. */
    static final List<ComponentFactory> FACTORIES = List.of(
            new KafkaFactory(),
            new PostgresFactory(),
            new S3Factory(),
            new RedisFactory(),
            new OpenSearchFactory(),
            new TrinoFactory());

    private static final String TEST_DIR_PREFIX = "noexcuses-test-";
    /** In a test JVM's data directory: which process owns it ({@link #owner(ProcessHandle)}). */
    private static final String OWNER_FILE = "owner";
    private static final AtomicBoolean SWEPT = new AtomicBoolean();

    private final Config config;
    private final Path dataDir;
    private final boolean temporary;
    private final Ports ports;
    private final List<InfraComponent> started = new ArrayList<>();
    private final List<InfraComponent> starting = new ArrayList<>();
    private boolean topicsCreated;

    private LocalInfra(Config config, Path dataDir, boolean temporary, Ports ports) {
        this.config = requireNonNull(config, "config is null");
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.ports = ports;
    }

    /** Infrastructure for {@code ./platform up}: fixed ports from config, data kept under {@code dataDir}. */
    public static LocalInfra forPlatform(Config config, Path dataDir) {
        return new LocalInfra(config, dataDir.toAbsolutePath().normalize(), false, Ports.fixed(config));
    }

    /**
     * Infrastructure for a test JVM: a temporary data directory and free ports. The first call in a JVM also
     * cleans up after test JVMs that were killed (their own close never ran): their servers stopped, their
     * directories deleted.
     */
    public static LocalInfra forTests(Config config) {
        if (SWEPT.compareAndSet(false, true)) {
            cleanUpAfterKilledTestJvms(config, Path.of(System.getProperty("java.io.tmpdir")));
        }
        try {
            Path dir = Files.createTempDirectory(TEST_DIR_PREFIX);
            Files.writeString(dir.resolve(OWNER_FILE), owner(ProcessHandle.current()));
            return new LocalInfra(config, dir, true, Ports.free());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    /**
     * Stops the servers and deletes the data directories under {@code tmp} of test JVMs that are no longer
     * running; returns the directories it cleaned up. A directory of a live JVM is left alone.
     */
    static List<Path> cleanUpAfterKilledTestJvms(Config config, Path tmp) {
        List<Path> cleaned = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, TEST_DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !ownerAlive(dir)) {
                    List<String> stopped = stopLeftovers(config, dir);
                    deleteRecursively(dir);
                    LOG.info("Cleaned up after a test JVM that was killed: {} (servers stopped: {})", dir, stopped);
                    cleaned.add(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot clean up after killed test JVMs in {}: {}", tmp, e.toString());
        }
        return cleaned;
    }

    /** "pid start-instant": with the start instant, a later process that was given the same pid is not the owner. */
    static String owner(ProcessHandle process) {
        return process.pid() + " " + process.info().startInstant().map(Instant::toString).orElse("-");
    }

    private static boolean ownerAlive(Path dir) throws IOException {
        Path file = dir.resolve(OWNER_FILE);
        if (!Files.exists(file)) {
            // Created a moment ago by a JVM that writes its owner next, or older than owner files: then long idle.
            return Files.getLastModifiedTime(dir).toInstant().isAfter(Instant.now().minus(Duration.ofMinutes(10)));
        }
        String[] written = Files.readString(file).trim().split(" ", 2);
        Optional<ProcessHandle> process;
        try {
            process = ProcessHandle.of(Long.parseLong(written[0]));
        } catch (NumberFormatException e) {
            return false;
        }
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        Optional<Instant> started = process.get().info().startInstant();
        if (written.length < 2 || written[1].equals("-") || started.isEmpty()) {
            return true;
        }
        // The same process reads its start time to within a clock tick.
        return Duration.between(Instant.parse(written[1]), started.get()).abs().compareTo(Duration.ofSeconds(1)) < 0;
    }

    /**
     * Stops the embedded servers a platform killed without a clean stop (SIGKILL, a crash) left running on
     * {@code dataDir}: what {@code ./platform down} does when no platform process is alive. Returns
     * the names of the components it stopped.
     */
    public static List<String> stopLeftovers(Config config, Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        List<String> stopped = new ArrayList<>();
        for (ComponentFactory factory : FACTORIES) {
            try {
                InfraComponent component = factory.create(config, dir, Ports.fixed(config));
                if (component.embedded() && component.stopLeftover()) {
                    stopped.add(component.name());
                }
            } catch (Exception e) {
                LOG.warn("Cannot stop a {} server left running on {}: {}", factory.name(), dir, e.toString());
            }
        }
        return stopped;
    }

    public static int freePort() {
        return Ports.freePort();
    }

    /**
     * Starts every component that is enabled in config, except those that start in the background
     * ({@link #backgroundComponents()}), then creates the platform's topics.
     */
    public synchronized LocalInfra start() {
        return start(FACTORIES.stream().filter(f -> !f.startsInBackground()).map(ComponentFactory::name)
                .filter(this::enabled).toArray(String[]::new));
    }

    /** The enabled components {@link #start()} leaves out because they take long to start (Trino). */
    public List<String> backgroundComponents() {
        return FACTORIES.stream().filter(ComponentFactory::startsInBackground).map(ComponentFactory::name)
                .filter(this::enabled).toList();
    }

    /**
     * Starts the named component on a thread of its own, after what it needs (started here, in the foreground).
     * It joins {@link #components()} once usable; while it starts it is in {@link #startingComponents()}, and
     * {@link #close()} stops it too. The future fails with the reason when it cannot start.
     */
    public CompletableFuture<InfraComponent> startInBackground(String name) {
        ComponentFactory factory = factory(name);
        InfraComponent component;
        synchronized (this) {
            Optional<InfraComponent> running = component(name);
            if (running.isPresent()) {
                return CompletableFuture.completedFuture(running.get());
            }
            start(factory.needs().toArray(String[]::new));
            component = factory.create(serviceConfig(config), dataDir, ports);
            starting.add(component);
        }
        CompletableFuture<InfraComponent> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                component.start();
            } catch (Exception e) {
                component.stop();
                synchronized (this) {
                    starting.remove(component);
                }
                result.completeExceptionally(new IllegalStateException("Cannot start " + name + ": " + e.getMessage(), e));
                return;
            }
            synchronized (this) {
                if (!starting.remove(component)) {
                    // Closed meanwhile.
                    component.stop();
                    result.completeExceptionally(new IllegalStateException(name + " was stopped while starting"));
                    return;
                }
                started.add(component);
            }
            LOG.info("{} ready in {} ms ({}, started in the background)", name, (System.nanoTime() - t0) / 1_000_000,
                    component.embedded() ? "embedded" : "external");
            result.complete(component);
        }, "local-infra-start-" + name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    /** Components started in the background that are not usable yet. */
    public synchronized List<InfraComponent> startingComponents() {
        return List.copyOf(starting);
    }

    private static ComponentFactory factory(String name) {
        return FACTORIES.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown infrastructure component '" + name + "'"));
    }

    /** The components {@link #start()} starts, in start order (not those that start in the background). */
    public List<String> enabledComponents() {
        return FACTORIES.stream().filter(f -> !f.startsInBackground()).map(ComponentFactory::name)
                .filter(this::enabled).toList();
    }

    private boolean enabled(String name) {
        String key = "local-infra." + name + ".enabled";
        return !config.hasPath(key) || config.getBoolean(key);
    }

    /** Starts the named components that are not running yet (Kafka is always among them). */
    public synchronized LocalInfra start(String... names) {
        List<String> wanted = new ArrayList<>(List.of(names));
        if (!wanted.contains("kafka")) {
            wanted.add(0, "kafka");
        }
        for (String name : List.copyOf(wanted)) {
            FACTORIES.stream().filter(f -> f.name().equals(name)).findFirst()
                    .ifPresent(f -> wanted.addAll(f.needs()));
        }
        refuseDefaultSecretsOffLoopback(wanted);
        for (ComponentFactory factory : FACTORIES) {
            if (!wanted.contains(factory.name()) || component(factory.name()).isPresent()) {
                continue;
            }
            // A component sees the connection keys of those started before it (Trino: PostgreSQL and S3).
            InfraComponent component = factory.create(serviceConfig(config), dataDir, ports);
            long t0 = System.nanoTime();
            try {
                component.start();
            } catch (Exception e) {
                component.stop();
                close();
                throw new IllegalStateException("Cannot start " + component.name() + ": " + e.getMessage(), e);
            }
            started.add(component);
            LOG.info("{} ready in {} ms ({})", component.name(), (System.nanoTime() - t0) / 1_000_000,
                    component.embedded() ? "embedded" : "external");
        }
        for (String name : wanted) {
            if (FACTORIES.stream().noneMatch(f -> f.name().equals(name))) {
                throw new IllegalArgumentException("Unknown infrastructure component '" + name + "'");
            }
        }
        if (!topicsCreated) {
            try {
                TopicSetup.ensureTopics(serviceConfig(config));
                topicsCreated = true;
            } catch (Exception e) {
                close();
                throw new IllegalStateException("Cannot create the platform's topics: " + e.getMessage(), e);
            }
        }
        return this;
    }

    /** Embedded PostgreSQL and S3 on a non-loopback address must not keep the public default credentials. */
    private void refuseDefaultSecretsOffLoopback(List<String> wanted) {
        Map<String, String> secrets = new LinkedHashMap<>();
        if (wanted.contains("postgres") && config.getString("postgres.jdbc-url").isBlank()) {
            secrets.put("postgres.password", config.getString("postgres.password"));
        }
        if (wanted.contains("s3") && config.getString("s3.endpoint").isBlank()
                && config.getBoolean("local-infra.s3.embedded")) {
            secrets.put("s3.secret-key", config.getString("s3.secret-key"));
        }
        Secrets.refuseDefaultsOffLoopback("the embedded infrastructure", List.of(config.getString("local-infra.host")),
                secrets);
    }

    /** Connection keys for services (e.g. {@code kafka.bootstrap-servers}) over {@code base}. */
    public Config serviceConfig(Config base) {
        return ConfigFactory.parseMap(serviceOverrides()).withFallback(base);
    }

    public synchronized Map<String, String> serviceOverrides() {
        Map<String, String> keys = new LinkedHashMap<>();
        started.forEach(c -> keys.putAll(c.serviceConfig()));
        return keys;
    }

    public synchronized List<InfraComponent> components() {
        return List.copyOf(started);
    }

    public synchronized Optional<InfraComponent> component(String name) {
        return started.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public Optional<EmbeddedKafka> embeddedKafka() {
        return component("kafka").filter(EmbeddedKafka.class::isInstance).map(EmbeddedKafka.class::cast);
    }

    public Config config() {
        return config;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops components in reverse order; a temporary data directory is deleted. */
    @Override
    public synchronized void close() {
        for (InfraComponent c : starting) {
            try {
                c.stop();
            } catch (RuntimeException e) {
                LOG.warn("Error stopping {}: {}", c.name(), e.toString());
            }
        }
        starting.clear();
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).stop();
            } catch (RuntimeException e) {
                LOG.warn("Error stopping {}: {}", started.get(i).name(), e.toString());
            }
        }
        started.clear();
        topicsCreated = false;
        if (temporary) {
            deleteRecursively(dataDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }
}
