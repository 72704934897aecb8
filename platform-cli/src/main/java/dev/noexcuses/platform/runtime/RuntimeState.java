package dev.noexcuses.platform.runtime;

import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a running platform writes to {@code <data-dir>/platform.json}: its process id and every
 * component's endpoints, and the connection keys of its infrastructure (e.g. the embedded broker's
 * {@code kafka.bootstrap-servers}), so {@code status}, {@code down}, {@code verify} and
 * {@code run COMPONENT} in another process can find them. It holds credentials, so only its owner
 * may read it (mode 0600).
 */
public record RuntimeState(long pid, Instant startedAt, List<Component> components,
                           Map<String, String> serviceConfig, List<String> starting) {
    public static final String FILE = "platform.json";

    /**
     * @param healthToken the bearer token {@code healthUrl} asks for, blank for none: the one the service was
     *     started with, so {@code status} in another shell checks it with the right one whatever its own settings
     */
    public record Component(String name, String kind, boolean embedded, String healthUrl, String healthToken,
                            Map<String, String> endpoints) {
        public Component {
            healthToken = healthToken == null ? "" : healthToken;
        }
    }

    /**
     * @param components the components started so far, ready
     * @param starting the components still starting, in start order (written while {@code up} starts,
     *     so other commands can say so instead of finding nothing)
     */
    public RuntimeState {
        components = List.copyOf(components);
        serviceConfig = serviceConfig == null ? Map.of() : Map.copyOf(serviceConfig);
        starting = starting == null ? List.of() : List.copyOf(starting);
    }

    /** Whether some components are still starting (not named isStarting: Jackson would write it over {@code starting}). */
    public boolean stillStarting() {
        return !starting.isEmpty();
    }

    /** "still starting, 3 of 9 components ready (enricher next)" */
    public String startingMessage() {
        int total = components.size() + starting.size();
        return "still starting, " + components.size() + " of " + total + " components ready ("
                + starting.get(0) + " next)";
    }

    /**
     * The platform running on {@code dataDir}, once it has finished starting: while it starts, says so
     * on {@code progress} and waits, up to {@code timeout}. Empty when no platform runs there.
     */
    public static Optional<RuntimeState> awaitStarted(Path dataDir, java.io.PrintStream progress,
                                                      java.time.Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String said = null;
        while (true) {
            Optional<RuntimeState> state = read(dataDir).filter(RuntimeState::processAlive);
            if (state.isEmpty() || !state.get().stillStarting()) {
                return state;
            }
            String message = state.get().startingMessage();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The platform on " + dataDir + " is " + message + " after "
                        + timeout.toSeconds() + " s; see ./platform status");
            }
            if (!message.equals(said)) {
                progress.println("The platform on " + dataDir + " is " + message + "; waiting...");
                said = message;
            }
            Thread.sleep(500);
        }
    }

    public void write(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        // It holds the infrastructure's credentials: readable by its owner only, from its creation on.
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
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
