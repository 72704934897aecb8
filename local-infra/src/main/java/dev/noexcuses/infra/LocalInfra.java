package dev.noexcuses.infra;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.infra.kafka.EmbeddedKafka;
import dev.noexcuses.infra.kafka.ExternalKafka;
import dev.noexcuses.infra.kafka.TopicSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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
 */
public final class LocalInfra implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

    private final Config config;
    private final Path dataDir;
    private final boolean temporary;
    private final List<InfraComponent> components;
    private final List<InfraComponent> started = new ArrayList<>();

    private LocalInfra(Config config, Path dataDir, boolean temporary, List<InfraComponent> components) {
        this.config = config;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.components = List.copyOf(components);
    }

    /** Infrastructure for {@code ./platform up}: fixed ports from config, data kept under {@code dataDir}. */
    public static LocalInfra forPlatform(Config config, Path dataDir) {
        requireNonNull(config, "config is null");
        Path dir = dataDir.toAbsolutePath().normalize();
        String host = config.getString("local-infra.host");
        return new LocalInfra(config, dir, false, List.of(kafka(config, dir, host,
                config.getInt("local-infra.kafka.port"), config.getInt("local-infra.kafka.controller-port"))));
    }

    /** Infrastructure for a test JVM: a temporary data directory and free ports. */
    public static LocalInfra forTests(Config config) {
        requireNonNull(config, "config is null");
        try {
            Path dir = Files.createTempDirectory("noexcuses-test-");
            String host = config.getString("local-infra.host");
            return new LocalInfra(config, dir, true, List.of(kafka(config, dir, host, freePort(), freePort())));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary data directory", e);
        }
    }

    private static InfraComponent kafka(Config config, Path dataDir, String host, int port, int controllerPort) {
        String external = config.getString("kafka.bootstrap-servers");
        if (!external.isBlank()) {
            return new ExternalKafka(external);
        }
        return new EmbeddedKafka(dataDir.resolve("kafka"), host, port, controllerPort,
                config.getInt("kafka.topics.partitions"));
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }

    /** Starts every component in order, then creates the platform's topics. */
    public synchronized LocalInfra start() {
        for (InfraComponent component : components) {
            if (started.contains(component)) {
                continue;
            }
            long t0 = System.nanoTime();
            try {
                component.start();
            } catch (Exception e) {
                close();
                throw new IllegalStateException("Cannot start " + component.name() + ": " + e.getMessage(), e);
            }
            started.add(component);
            LOG.info("{} ready in {} ms ({})", component.name(), (System.nanoTime() - t0) / 1_000_000,
                    component.embedded() ? "embedded" : "external");
        }
        try {
            TopicSetup.ensureTopics(serviceConfig(config));
        } catch (Exception e) {
            close();
            throw new IllegalStateException("Cannot create the platform's topics: " + e.getMessage(), e);
        }
        return this;
    }

    /** Connection keys for services (e.g. {@code kafka.bootstrap-servers}) over {@code base}. */
    public Config serviceConfig(Config base) {
        return ConfigFactory.parseMap(serviceOverrides()).withFallback(base);
    }

    public Map<String, String> serviceOverrides() {
        Map<String, String> keys = new LinkedHashMap<>();
        components.forEach(c -> keys.putAll(c.serviceConfig()));
        return keys;
    }

    public List<InfraComponent> components() {
        return components;
    }

    public Optional<EmbeddedKafka> embeddedKafka() {
        return components.stream().filter(EmbeddedKafka.class::isInstance).map(EmbeddedKafka.class::cast).findFirst();
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
