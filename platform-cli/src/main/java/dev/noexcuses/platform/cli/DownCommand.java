package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.util.List;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "down", description = "Stop a platform started with up or demo (same data directory).")
final class DownCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Path dataDir = options.dataDir(config);
        Optional<RuntimeState> state = RuntimeState.read(dataDir);
        if (state.isEmpty() || !state.get().processAlive()) {
            System.out.println("The platform is not running (no live process for " + dataDir + ").");
            RuntimeState.delete(dataDir);
            // A platform that was killed (SIGKILL, a crash) leaves its embedded servers running.
            List<String> stopped = LocalInfra.stopLeftovers(config, dataDir);
            if (!stopped.isEmpty()) {
                System.out.println("Stopped embedded servers a killed platform left running: " + stopped);
            }
            return 0;
        }
        ProcessHandle process = ProcessHandle.of(state.get().pid()).orElseThrow();
        System.out.println("Stopping the platform (pid " + process.pid() + ")...");
        process.destroy();
        try {
            process.onExit().get(90, TimeUnit.SECONDS);
            System.out.println("Stopped.");
            return 0;
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("The platform did not stop within 90 s; pid " + process.pid() + " is still running.");
            return 1;
        }
    }
}
