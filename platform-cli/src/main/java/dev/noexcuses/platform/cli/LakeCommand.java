package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.lakehouse.runs.RunHistory;
import dev.noexcuses.loader.batch.lake.LakeInspector;
import dev.noexcuses.loader.batch.lake.TableCompactor;
import dev.noexcuses.loader.batch.lake.TableStats;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform lake tables|stats|compact}: the Iceberg tables in the lake, their health, compaction. */
@Command(name = "lake", description = "The Iceberg lake: its tables, their files and offsets, compaction of small files.",
        subcommands = {LakeCommand.Tables.class, LakeCommand.Stats.class, LakeCommand.Compact.class})
final class LakeCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The configured catalog, else the running platform's embedded PostgreSQL and S3. */
    static LakeCatalog open(ConfigOptions options) throws IOException, InterruptedException {
        return LakeCatalog.open(LakeSettings.from(lakeConfig(options)));
    }

    /** The configuration with postgres.* and s3.* filled in from the running platform where not configured. */
    static Config lakeConfig(ConfigOptions options) throws IOException, InterruptedException {
        Config config = options.load();
        Optional<RuntimeState> state = RuntimeState.awaitStarted(options.dataDir(config), System.err,
                Connections.STARTING_PLATFORM_WAIT);
        Map<String, String> fromRunning = new LinkedHashMap<>();
        state.ifPresent(s -> s.serviceConfig().forEach((key, value) -> {
            if ((key.startsWith("postgres.") || key.startsWith("s3."))
                    && (!config.hasPath(key) || config.getString(key).isBlank())) {
                fromRunning.put(key, value);
            }
        }));
        Config resolved = ConfigFactory.parseMap(fromRunning).withFallback(config);
        if (resolved.getString("postgres.jdbc-url").isBlank()) {
            throw new IllegalStateException("No lake catalog: start ./platform up on this data directory, or set "
                    + "postgres.jdbc-url and s3.* (--set or platform.conf)");
        }
        return resolved;
    }

    /** The lake jobs' run history ({@code batch_job_runs}) in the catalog's PostgreSQL of {@link #lakeConfig}. */
    static RunHistory runHistory(Config lakeConfig) {
        return new RunHistory(lakeConfig.getString("postgres.jdbc-url"), lakeConfig.getString("postgres.user"),
                lakeConfig.getString("postgres.password"));
    }

    @Command(name = "tables", description = "Every table in the lake, with rows and data files.")
    static final class Tables implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            try (LakeCatalog lake = open(options)) {
                LakeInspector inspector = new LakeInspector(lake.catalog());
                System.out.printf("%-32s %14s %10s %12s %10s%n", "TABLE", "ROWS", "FILES", "SIZE", "SNAPSHOTS");
                for (TableIdentifier id : inspector.tables()) {
                    TableStats s = inspector.stats(id.toString());
                    System.out.printf("%-32s %,14d %,10d %12s %,10d%n", id, s.rows(), s.dataFiles(),
                            human(s.totalBytes()), s.snapshots());
                }
            }
            return 0;
        }
    }

    @Command(name = "stats", description = "A table's snapshots, files, rows, file-size spread and stored Kafka offsets.")
    static final class Stats implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "TABLE", description = "namespace.table, e.g. raw.enriched_events")
        String table;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (LakeCatalog lake = open(options)) {
                TableStats s = new LakeInspector(lake.catalog()).stats(table);
                if (json) {
                    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
                    return 0;
                }
                System.out.printf("Table %s (format v%d) at %s%n", s.table(), s.formatVersion(), s.location());
                System.out.printf("Partitioning   %s%n", s.partitioning());
                System.out.printf("Snapshots      %,d (current %s, committed %s)%n", s.snapshots(),
                        s.currentSnapshotId(), s.lastCommitAt());
                System.out.printf("Rows           %,d in %,d data files, %s, %,d partitions%n", s.rows(), s.dataFiles(),
                        human(s.totalBytes()), s.partitions());
                System.out.printf("File sizes     min %s, median %s, p90 %s, max %s%n", human(s.minFileBytes()),
                        human(s.medianFileBytes()), human(s.p90FileBytes()), human(s.maxFileBytes()));
                s.sizeBuckets().entrySet().stream()
                        .sorted(java.util.Comparator.comparingInt(e -> bucketOrder(e.getKey())))
                        .forEach(e -> System.out.printf("  %-12s %,d%n", e.getKey(), e.getValue()));
                System.out.printf("Small files    %,d under %s: %s%n", s.smallFiles(), human(s.smallFileThresholdBytes()),
                        s.smallFiles() > 1 ? "./platform lake compact " + s.table() : "nothing to compact");
                System.out.println("Kafka offsets stored (next offset to read)");
                if (s.offsets().isEmpty()) {
                    System.out.println("  none");
                }
                s.offsets().forEach((group, topics) -> topics.forEach((topic, partitions) ->
                        System.out.printf("  group %s, topic %s: %s%n", group, topic, partitions)));
                System.out.println("Recent snapshots");
                for (TableStats.SnapshotInfo snap : s.recentSnapshots()) {
                    System.out.printf("  %-20d %s %-8s +%,d files +%,d rows %s%n", snap.snapshotId(), snap.committedAt(),
                            snap.operation(), snap.addedFiles(), snap.addedRows(),
                            snap.writer() == null ? "" : "by " + snap.writer());
                }
            }
            return 0;
        }
    }

    @Command(name = "compact", description = "Rewrites a table's small files into files of the target size (Iceberg rewrite).")
    static final class Compact implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "TABLE", description = "namespace.table, e.g. raw.enriched_events")
        String table;

        @Option(names = "--target-size", paramLabel = "BYTES",
                description = "Size of the new files (default: the table's write.target-file-size-bytes, 512 MiB).")
        Long targetSize;

        @Override
        public Integer call() throws Exception {
            try (LakeCatalog lake = open(options)) {
                long t0 = System.nanoTime();
                TableCompactor.Result r = new TableCompactor(lake.catalog()).compact(table, targetSize);
                if (r.filesBefore() == 0) {
                    System.out.println("Nothing to compact in " + r.table() + ": no partition has two small files");
                    return 0;
                }
                System.out.printf("Compacted %s in %.1f s: %,d files (%s) -> %,d files (%s) in %,d partitions, %,d rows; "
                                + "snapshot %d%n", r.table(), (System.nanoTime() - t0) / 1e9, r.filesBefore(),
                        human(r.bytesBefore()), r.filesAfter(), human(r.bytesAfter()), r.partitionsRewritten(), r.rows(),
                        r.snapshotId());
            }
            return 0;
        }
    }

    private static int bucketOrder(String bucket) {
        return switch (bucket) {
            case "< 1 MiB" -> 0;
            case "1-16 MiB" -> 1;
            case "16-64 MiB" -> 2;
            case "64-128 MiB" -> 3;
            default -> 4;
        };
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format("%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format("%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
