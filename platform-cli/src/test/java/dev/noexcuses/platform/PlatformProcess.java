package dev.noexcuses.platform;

import dev.noexcuses.platform.runtime.HttpProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * {@code ./platform up} as a user runs it: its own process on a data directory, every port moved to a
 * free one, stopped with SIGTERM (Ctrl-C) or SIGKILL. The settings and data directory outlive the
 * process, so the next start is the same platform.
 */
final class PlatformProcess implements AutoCloseable {
    static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    private final Path dataDir;
    private final Map<String, String> settings;
    private Process process;
    private int starts;

    PlatformProcess(Path dataDir, Map<String, String> settings) {
        this.dataDir = dataDir;
        Map<String, String> all = new HashMap<>(FreePorts.forEveryPortKey());
        // These tests run no Spark job: no job host taking CPU from them (ConsoleTest runs one).
        all.put("lakehouse.job-host.enabled", "false");
        all.putAll(settings);
        this.settings = Map.copyOf(all);
    }

    Map<String, String> settings() {
        return settings;
    }

    String setting(String key) {
        return settings.get(key);
    }

    String collectorUrl() {
        return "http://127.0.0.1:" + settings.get("collector.port");
    }

    /** {@code ./platform} with these arguments, then {@code --data-dir} and every {@code --set}. */
    List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                // The shipped logging (service logs to data/logs, errors only on the console), not the tests'.
                "-Dlogback.configurationFile=logback.xml",
                "-cp", System.getProperty("java.class.path"), PlatformCli.class.getName()));
        command.addAll(List.of(args));
        command.addAll(List.of("--data-dir", dataDir.toString()));
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        return command;
    }

    /** Starts {@code up} and returns once every service answers healthy. */
    PlatformProcess up() throws IOException {
        start();
        return awaitUp();
    }

    /** Starts {@code up} and returns at once. */
    PlatformProcess start() throws IOException {
        Files.createDirectories(dataDir);
        starts++;
        ProcessBuilder builder = new ProcessBuilder(command("up")).redirectErrorStream(true)
                .redirectOutput(output().toFile());
        builder.environment().put("PLATFORM_HOME", HOME.toString());
        process = builder.start();
        return this;
    }

    /** Waits until {@code up} says it is up and the last service started answers ready. */
    PlatformProcess awaitUp() {
        Path out = output();
        Awaitility.await("platform up").atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("./platform up exited with " + process.exitValue() + ": "
                                + Files.readString(out));
                    }
                    return Files.readString(out).contains("The platform is up")
                            && HttpProbe.ok("http://127.0.0.1:" + settings.get("batch-loader.admin.port") + "/readyz");
                });
        return this;
    }

    /** Runs another {@code ./platform} command on the same data directory and settings; its output and exit code. */
    Result run(String... args) throws IOException, InterruptedException {
        Path errors = Files.createTempFile(dataDir, "stderr-", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command(args)).redirectError(errors.toFile());
        builder.environment().put("PLATFORM_HOME", HOME.toString());
        Process p = builder.start();
        String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Result(code, text, Files.readString(errors));
    }

    /** What a command printed on standard output and on standard error, and its exit code. */
    record Result(int exitCode, String output, String errors) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n" + output + "\n" + errors;
        }
    }

    /** The platform log's warnings and errors, and what {@code up} printed: the story of a failed assertion. */
    String problems() throws IOException {
        Path log = dataDir.resolve("logs/platform.log");
        StringBuilder text = new StringBuilder();
        if (Files.exists(log)) {
            try (var lines = Files.lines(log)) {
                lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ") || l.startsWith("\t")
                        || l.startsWith("Caused by")).forEach(l -> text.append(l).append('\n'));
            }
        }
        for (int i = 1; i <= starts; i++) {
            Path out = dataDir.resolve("up-" + i + ".out");
            if (Files.exists(out)) {
                text.append("--- up ").append(i).append(" ---\n").append(Files.readString(out));
            }
        }
        return text.toString();
    }

    Path output() {
        return dataDir.resolve("up-" + starts + ".out");
    }

    long pid() {
        return process.pid();
    }

    Path dataDir() {
        return dataDir;
    }

    /** SIGTERM, as Ctrl-C or {@code ./platform down}, and waits for the clean stop to finish. */
    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    /** SIGKILL: no shutdown hook runs, the embedded servers it started are left behind. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            terminate();
        }
    }
}
