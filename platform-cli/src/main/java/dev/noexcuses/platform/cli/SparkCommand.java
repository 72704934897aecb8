package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import dev.noexcuses.platform.jobs.SparkStandaloneCluster;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform spark advise|cluster}: the parallelism advisor, and a standalone Spark cluster on this machine. */
@Command(name = "spark", description = "Spark parallelism advice for the lakehouse jobs, and a standalone Spark cluster.",
        subcommands = {SparkCommand.Advise.class, SparkCommand.Cluster.class})
final class SparkCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "advise", description = "Proposes executor cores (at most 5), executors, the read split size "
            + "(maxPartitionBytes), default.parallelism, shuffle.partitions and whether to repartition after the read "
            + "for JOB's input files (from Iceberg) on the cluster (local cores, the standalone master's workers, or "
            + "stated executors), each with its rule and numbers. The jobs apply this by default (lakehouse.parallelism).")
    static final class Advise implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "JOB", description = "quality, curate, sessions, model, or all")
        String job;

        @ArgGroup(exclusive = true, multiplicity = "1")
        LakehouseCommand.Run.Selection days;

        @Option(names = "--executors", paramLabel = "N", description = "Executors of the cluster the job will run on.")
        int executors;

        @Option(names = "--executor-cores", paramLabel = "C", description = "Cores of each of those executors.")
        int executorCores;

        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: lakehouse.master).")
        String master;

        @Option(names = "--json", description = "The advice as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            if (!List.of("all", "quality", "curate", "sessions", "model").contains(job)) {
                System.err.println("Unknown job " + job + ": expected quality, curate, sessions, model or all");
                return 2;
            }
            if ((executors > 0) != (executorCores > 0)) {
                System.err.println("State both --executors and --executor-cores, or neither");
                return 2;
            }
            Config config = LakeCommand.lakeConfig(options);
            if (master != null) {
                config = ConfigFactory.parseMap(Map.of("lakehouse.master", master)).withFallback(config);
            }
            LocalDate from = days.date != null ? days.date : days.range.from;
            LocalDate to = days.date != null ? days.date : days.range.to;
            List<String> extra = new ArrayList<>(List.of("--advise-only", "true", "--json", String.valueOf(json)));
            if (executors > 0) {
                extra.addAll(List.of("--executors", String.valueOf(executors), "--executor-cores", String.valueOf(executorCores)));
            }
            return new SparkJobLauncher(config).run(job, from, to, extra);
        }
    }

    @Command(name = "cluster", description = "Runs a Spark standalone cluster (a master and lakehouse.spark-cluster.workers "
            + "workers, each a process) in the foreground until Ctrl-C; jobs use it with --set lakehouse.master=spark://...")
    static final class Cluster implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            Config config = options.load();
            Path target = Path.of(config.getString("platform.home")).resolve("lakehouse/target");
            try (SparkStandaloneCluster cluster = SparkStandaloneCluster.start(SparkStandaloneCluster.Settings.from(config),
                    target, options.dataDir(config), System.out)) {
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    cluster.close();
                    stop.countDown();
                }, "spark-cluster-stop"));
                stop.await();
            }
            return 0;
        }
    }
}
