package dev.noexcuses.platform.runtime;

import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running platform writes to {@code <data-dir>/platform.json}: its process id and every
 * component's endpoints, and the connection keys of its infrastructure (e.g. the embedded broker's
 * {@code kafka.bootstrap-servers}), so {@code status}, {@code down}, {@code verify} and
 * {@code run COMPONENT} in another process can find them.
 */
public record RuntimeState(long pid, Instant startedAt, List<Component> components,
                           Map<String, String> serviceConfig) {
    public static final String FILE = "platform.json";

    public record Component(String name, String kind, boolean embedded, String healthUrl,
                            Map<String, String> endpoints) {}

    public RuntimeState {
        components = List.copyOf(components);
        serviceConfig = serviceConfig == null ? Map.of() : Map.copyOf(serviceConfig);
    }

    public void write(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.write(tmp, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Optional<RuntimeState> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(Json.mapper().readValue(file.toFile(), RuntimeState.class));
    }

    public static void delete(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
        } catch (IOException ignored) {
            // A stale file is detected by its pid on the next status.
        }
    }

    public boolean processAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
