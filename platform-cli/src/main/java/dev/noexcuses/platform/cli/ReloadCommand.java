package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "reload", description = {
        "Make a running platform (same data directory) read its configuration file again and apply",
        "what can change without a restart: the collector's write keys. The same as sending it SIGHUP."})
final class ReloadCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Path dataDir = options.dataDir(config);
        Optional<RuntimeState> state = RuntimeState.read(dataDir);
        if (state.isEmpty() || !state.get().processAlive()) {
            System.err.println("The platform is not running (no live process for " + dataDir + ").");
            return 1;
        }
        long pid = state.get().pid();
        Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(pid)).inheritIO().start();
        if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            System.err.println("Could not signal pid " + pid + " (kill -HUP failed).");
            return 1;
        }
        System.out.println("Asked the platform (pid " + pid + ") to reload its write keys; its log says how many"
                + " keys are valid now (collector_write_keys_reloads_total counts reloads).");
        return 0;
    }
}
