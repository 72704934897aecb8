package dev.noexcuses.orchestrator.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one task attempt as a child process in a process group of its own (via {@code setsid}), its
 * output appended to a log file. A process that outlives its timeout is stopped with its whole group
 * (SIGTERM, then SIGKILL after a grace period), so the JVMs and shells it started go with it.
 */
public final class TaskProcess {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Duration GRACE = Duration.ofSeconds(10);

    private TaskProcess() {}

    /** How the process ended: its exit code, or null with an error when it did not exit by itself. */
    public record Outcome(Integer exitCode, String error) {
        public boolean succeeded() {
            return exitCode != null && exitCode == 0 && error == null;
        }
    }

    public static Outcome run(List<String> command, Path workDir, Map<String, String> environment, Path logFile,
                              Duration timeout, Consumer<ProcessHandle> onStart) {
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            argv.add(SETSID.toString());
        }
        argv.addAll(command);
        Process process;
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Files.writeString(logFile, "# " + String.join(" ", command) + "  (started " + Instant.now() + ")\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            return new Outcome(null, "cannot start " + command.get(0) + ": " + e.getMessage());
        }
        onStart.accept(process.toHandle());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killGroup(process.toHandle());
                return new Outcome(null, "timed out after " + human(timeout) + "; killed with its child processes");
            }
            int exit = process.exitValue();
            return exit == 0 ? new Outcome(0, null) : new Outcome(exit, "exit code " + exit + lastLine(logFile)
                    .map(l -> ": " + l).orElse(""));
        } catch (InterruptedException e) {
            killGroup(process.toHandle());
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted: the scheduler stopped; killed with its child processes");
        }
    }

    /**
     * Stops the process group led by {@code leader} and every descendant: SIGTERM, a grace period,
     * then SIGKILL. Returns once the leader is gone.
     */
    public static void killGroup(ProcessHandle leader) {
        List<ProcessHandle> family = new ArrayList<>(leader.descendants().toList());
        signalGroup(leader.pid(), "TERM");
        leader.destroy();
        try {
            leader.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Still alive after the grace period: forced below.
        }
        family.addAll(leader.descendants().toList());
        signalGroup(leader.pid(), "KILL");
        leader.destroyForcibly();
        family.forEach(ProcessHandle::destroyForcibly);
        try {
            leader.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Nothing more a signal can do.
        }
    }

    /** Kills what is left of a group whose leader ({@code pgid}) is already gone. */
    public static void killGroup(long pgid) {
        signalGroup(pgid, "KILL");
    }

    private static void signalGroup(long pgid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot signal process group " + pgid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The last non-blank line of a log, shortened: what a failed task said last. */
    public static Optional<String> lastLine(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) {
                String line = lines.get(i).strip();
                if (!line.isEmpty() && !line.startsWith("# ")) {
                    return Optional.of(line.length() > 300 ? line.substring(0, 300) + "..." : line);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Unreadable or not UTF-8: the exit code alone says it.
        }
        return Optional.empty();
    }

    static String human(Duration d) {
        return d.toSeconds() < 120 ? d.toSeconds() + " s" : d.toMinutes() + " min";
    }
}
