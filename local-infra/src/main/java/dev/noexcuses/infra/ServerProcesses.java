package dev.noexcuses.infra;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operating-system processes of the servers the platform runs itself (local-infra's Redis, OpenSearch and
 * Trino, the Spark job host): each is recorded in a file, so one left running by a killed JVM can be found
 * and stopped; each is stopped with SIGTERM and a grace period to shut down cleanly before SIGKILL.
 */
public final class ServerProcesses {
    private static final Logger LOG = LoggerFactory.getLogger(ServerProcesses.class);

    private ServerProcesses() {}

    /** The process recorded in {@code pidFile}, if it is still alive; the file is deleted either way. */
    public static Optional<ProcessHandle> recorded(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        String text = Files.readString(pidFile).trim();
        Files.delete(pidFile);
        try {
            return ProcessHandle.of(Long.parseLong(text)).filter(ProcessHandle::isAlive);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Asks every process to stop, gives each up to {@code grace} to exit, then kills what is left. */
    public static void terminate(List<ProcessHandle> processes, Duration grace) {
        processes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : processes) {
            p.onExit().orTimeout(grace.toMillis(), MILLISECONDS).exceptionally(e -> null).join();
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** Stops a server this JVM started (see {@link #stop(Process, String, Duration, Path, boolean)}), alone. */
    public static void stop(Process server, String name, Duration grace, Path recordFile) {
        stop(server, name, grace, recordFile, false);
    }

    /**
     * Stops a server this JVM started: SIGTERM, up to {@code grace} to exit, then SIGKILL; the file that
     * records it (its pid file, or a state file with its address) is deleted.
     *
     * @param name the server, for the log ("Redis")
     * @param withDescendants whether the processes it started are signalled with it (a launcher's children)
     */
    public static void stop(Process server, String name, Duration grace, Path recordFile, boolean withDescendants) {
        List<ProcessHandle> descendants = withDescendants ? server.toHandle().descendants().toList() : List.of();
        descendants.forEach(ProcessHandle::destroy);
        server.destroy();
        try {
            if (!server.waitFor(grace.toMillis(), MILLISECONDS)) {
                LOG.warn("{} did not stop within {} s; killing it", name, grace.toSeconds());
                descendants.forEach(ProcessHandle::destroyForcibly);
                server.destroyForcibly().waitFor(10, SECONDS);
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(recordFile);
        } catch (IOException e) {
            LOG.warn("Cannot delete {}: {}", recordFile, e.toString());
        }
    }
}
