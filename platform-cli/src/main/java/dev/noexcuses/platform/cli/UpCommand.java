package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.jobs.SparkStandaloneCluster;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "up", description = "Start the infrastructure and every service in the foreground; Ctrl-C stops all.")
final class UpCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--spark-cluster", description = "Also start a Spark standalone cluster (a master and two workers; "
            + "lakehouse.spark-cluster.*). Jobs run on it with --set lakehouse.master=spark://127.0.0.1:7077.")
    boolean sparkCluster;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        try (PlatformRuntime runtime = PlatformRuntime.start(config, options.dataDir(config), System.out);
             SparkStandaloneCluster spark = sparkCluster || config.getBoolean("lakehouse.spark-cluster.enabled")
                     ? SparkStandaloneCluster.start(SparkStandaloneCluster.Settings.from(config),
                             Path.of(config.getString("platform.home")).resolve("lakehouse/target"),
                             options.dataDir(config), System.out)
                     : null) {
            Foreground.printWhereToLook(runtime);
            Foreground.waitForShutdown(runtime);
        }
        return 0;
    }
}
