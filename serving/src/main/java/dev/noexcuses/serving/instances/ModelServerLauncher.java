package dev.noexcuses.serving.instances;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import dev.noexcuses.serving.server.ModelServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts model servers as processes of their own (a JVM each, on this JVM's class path) and stops
 * them. A started server is returned only once it answers ready: loaded and warmed up.
 */
public final class ModelServerLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelServerLauncher.class);

    private final Path workDir;
    private final List<String> jvmOptions;
    private final int warmupPredictions;
    private final Duration startTimeout;
    private final WebClient probe = WebClient.builder().responseTimeoutMillis(2000).build();
    /** The processes this launcher started and has not stopped yet. */
    private final java.util.Set<Long> started = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * @param workDir where each server's log and port file go
     * @param jvmOptions the model servers' JVM options (heap size, GC)
     */
    public ModelServerLauncher(Path workDir, List<String> jvmOptions, int warmupPredictions, Duration startTimeout) {
        this.workDir = requireNonNull(workDir, "workDir is null");
        this.jvmOptions = List.copyOf(jvmOptions);
        this.warmupPredictions = warmupPredictions;
        this.startTimeout = requireNonNull(startTimeout, "startTimeout is null");
    }

    /** Starts a server for {@code model} {@code version} from {@code modelFile}; returns once it is ready. */
    public ModelServerInstance start(String model, String version, String modelFile) {
        String id = model + "-" + version + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path portFile = workDir.resolve(id + ".port");
        Path log = workDir.resolve(id + ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        // Its own log directory: the platform's log file belongs to the platform's process.
        command.add("-Dplatform.log.dir=" + workDir.resolve(id).toAbsolutePath());
        command.add(ModelServer.class.getName());
        command.addAll(List.of("--model", model, "--version", version, "--model-file", modelFile,
                "--port", "0", "--port-file", portFile.toString(), "--warmup", Integer.toString(warmupPredictions),
                "--parent-pid", Long.toString(ProcessHandle.current().pid())));
        Process process;
        try {
            Files.createDirectories(workDir);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            // The class path through the environment: it can be longer than a command line should be.
            builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
            process = builder.start();
            started.add(process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start a model server for " + model + " " + version, e);
        }
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("The model server for " + model + " version " + version
                            + " exited with code " + process.exitValue() + " before it was ready; its log: " + log
                            + lastLines(log));
                }
                if (Files.isRegularFile(portFile)) {
                    String url = "http://127.0.0.1:" + Files.readString(portFile).strip();
                    if (ready(url)) {
                        Files.deleteIfExists(portFile);
                        LOG.info("Model server {} {} ready at {} (pid {})", model, version, url, process.pid());
                        return new ModelServerInstance(model, version, modelFile, url, process.pid());
                    }
                }
                if (System.nanoTime() > deadline) {
                    stop(process.toHandle());
                    throw new IllegalStateException("The model server for " + model + " version " + version
                            + " was not ready within " + startTimeout.toSeconds() + " s; its log: " + log);
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            stop(process.toHandle());
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            stop(process.toHandle());
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting a model server", e);
        }
    }

    /** Whether the server at {@code url} answers ready. */
    public boolean ready(String url) {
        try {
            AggregatedHttpResponse res = probe.get(url + "/readyz").aggregate().get(3, TimeUnit.SECONDS);
            return res.status().code() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** Stops a server this launcher started: SIGTERM (in-flight predictions finish), then SIGKILL if it lingers. */
    public void stop(ModelServerInstance instance) {
        if (instance.pid() > 0) {
            ProcessHandle.of(instance.pid()).ifPresent(ModelServerLauncher::stop);
            started.remove(instance.pid());
        }
    }

    /** Takes over a model server another gateway started (it is stopped with the others by {@link #stopAll()}). */
    public void adopt(ModelServerInstance instance) {
        if (instance.processAlive()) {
            started.add(instance.pid());
        }
    }

    /** Stops every model server this launcher started and has not stopped. */
    public void stopAll() {
        List.copyOf(started).parallelStream().forEach(pid -> ProcessHandle.of(pid).ifPresent(ModelServerLauncher::stop));
        started.clear();
    }

    private static void stop(ProcessHandle process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            process.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
        }
    }

    private static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
