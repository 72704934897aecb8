package dev.noexcuses.infra;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.infra.kafka.EmbeddedKafka;
import dev.noexcuses.infra.kafka.KafkaFactory;
import dev.noexcuses.infra.kafka.TopicSetup;
import dev.noexcuses.infra.opensearch.OpenSearchFactory;
import dev.noexcuses.infra.postgres.PostgresFactory;
import dev.noexcuses.infra.s3.S3Factory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one harness that starts the platform's infrastructure, for {@code ./platform} and for tests
 * alike. Each component is embedded (a real server started here) unless the configuration points
 * at an external one. {@link #serviceConfig(Config)} gives services the resulting connection keys.
 *
 * <p>{@link #start()} starts every component; {@link #start(String...)} only the named ones (tests
 * that need Kafka alone do not pay for OpenSearch), and may be called again to add more.
 */
public final class LocalInfra implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

    /** Every kind of component, in start order. */
    static final List<ComponentFactory> FACTORIES = List.of(
            new KafkaFactory(),
            new PostgresFactory(),
            new S3Factory(),
            new OpenSearchFactory());

    private final Config config;
    private final Path dataDir;
    private final boolean temporary;
    private final Ports ports;
    private final List<InfraComponent> started = new ArrayList<>();
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

    /** Infrastructure for a test JVM: a temporary data directory and free ports. */
    public static LocalInfra forTests(Config config) {
        try {
            return new LocalInfra(config, Files.createTempDirectory("noexcuses-test-"), true, Ports.free());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    public static int freePort() {
        return Ports.freePort();
    }

    /** Starts every component that is enabled in config, then creates the platform's topics. */
    public synchronized LocalInfra start() {
        return start(FACTORIES.stream().map(ComponentFactory::name).filter(this::enabled).toArray(String[]::new));
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
        for (ComponentFactory factory : FACTORIES) {
            if (!wanted.contains(factory.name()) || component(factory.name()).isPresent()) {
                continue;
            }
            InfraComponent component = factory.create(config, dataDir, ports);
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
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }
}
