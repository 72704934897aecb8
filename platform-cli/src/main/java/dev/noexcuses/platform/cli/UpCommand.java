package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "up", description = "Start the infrastructure and every service in the foreground; Ctrl-C stops all.")
final class UpCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        try (PlatformRuntime runtime = PlatformRuntime.start(config, options.dataDir(config), System.out)) {
            Foreground.printWhereToLook(runtime);
            Foreground.waitForShutdown(runtime);
        }
        return 0;
    }
}
