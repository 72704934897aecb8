package dev.noexcuses.platform;

import dev.noexcuses.platform.runtime.HttpProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/** One service run as its own process with {@code platform run COMPONENT}, so a kill is a real kill. */
final class ServiceProcess implements AutoCloseable {
    private final String component;
    private final Path dataDir;
    private final Map<String, String> settings;
    private final String healthUrl;
    private Process process;
    private int starts;

    ServiceProcess(String component, Path dataDir, Map<String, String> settings, String healthUrl) {
        this.component = component;
        this.dataDir = dataDir;
        this.settings = Map.copyOf(settings);
        this.healthUrl = healthUrl;
    }

    void start() throws IOException {
        Files.createDirectories(dataDir);
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "dev.noexcuses.platform.PlatformCli", "run", component, "--data-dir", dataDir.toString()));
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        starts++;
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve(component + "-" + starts + ".out").toFile()).start();
        Awaitility.await(component + " healthy").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(component + " exited with " + process.exitValue() + ": "
                                + Files.readString(dataDir.resolve(component + "-" + starts + ".out")));
                    }
                    return HttpProbe.ok(healthUrl);
                });
    }

    /** SIGKILL: no shutdown hook, no flush, no offset commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }
}
