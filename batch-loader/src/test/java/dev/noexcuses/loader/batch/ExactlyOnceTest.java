package dev.noexcuses.loader.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigRenderOptions;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.junit.jupiter.api.Test;

class ExactlyOnceTest {
    private static final Random RANDOM = new Random();

    @Test
    void loaderKilledAtRandomPointsDuringASteadyLoadLeavesEveryEventExactlyOnceAndNoOrphanedFile() throws Exception {
        Map<String, String> settings = Map.of(
                "batch-loader.instance-id", "crashy",
                "batch-loader.flush.target-file-size", "8KiB",
                "batch-loader.flush.max-age", "300ms",
                "batch-loader.max-poll-records", "500");
        try (LoaderFixture f = new LoaderFixture(3, settings)) {
            int events = 6000;
            // About 25 s of load, so the kills fall while events keep coming.
            Thread producer = new Thread(() -> produceSteadily(f, events, 250), "steady-producer");
            producer.start();

            Path configFile = writeConfig(f);
            for (int kill = 0; kill < 4; kill++) {
                Process child = startChildLoader(configFile, kill);
                try {
                    long before = commits(f);
                    await().atMost(Duration.ofSeconds(90)).until(() -> !child.isAlive() || commits(f) > before + 1
                            || !producer.isAlive() && commits(f) > before);
                    assertThat(child.isAlive()).as("child loader alive (see target/child-loader-%d.log)", kill).isTrue();
                    // A random point: mid-write, mid-upload, between upload and commit, mid-commit.
                    Thread.sleep(RANDOM.nextInt(400));
                } finally {
                    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
            producer.join(TimeUnit.MINUTES.toMillis(2));

            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> f.rows(f.enrichedTable).size() >= events
                        && f.rows(f.failedTable).size() >= events / 100 * 2);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(orphanedDataFiles(f)).isEmpty());
            }

            List<Record> rows = f.rows(f.enrichedTable);
            assertThat(rows).hasSize(events);
            assertThat(rows.stream().map(r -> r.getField("event_id")).collect(Collectors.toSet()))
                    .isEqualTo(expectedIds(events));
            assertThat(origins(rows)).hasSize(events);
            List<Record> failed = f.rows(f.failedTable);
            assertThat(failed).hasSize(events / 100 * 2);
            assertThat(origins(failed)).hasSize(failed.size());
            assertThat(failed).filteredOn(r -> "loader_failure".equals(r.getField("failure_type")))
                    .hasSize(events / 100);
        }
    }

    @Test
    void twoInstancesShareThePartitionsRetryConcurrentCommitsAndLoadEveryEventOnce() throws Exception {
        Map<String, String> settings = Map.of(
                "batch-loader.flush.target-file-size", "8KiB",
                "batch-loader.flush.max-age", "200ms",
                "batch-loader.max-poll-records", "200",
                // Each instance's files between writing and committing must not look orphaned to the other.
                "batch-loader.orphan-files.min-age", "1h");
        try (LoaderFixture f = new LoaderFixture(4, settings)) {
            int events = 3000;
            var a = BatchLoader.start(f.config.withValue("batch-loader.instance-id",
                    com.typesafe.config.ConfigValueFactory.fromAnyRef("instance-a")));
            var b = BatchLoader.start(f.config.withValue("batch-loader.instance-id",
                    com.typesafe.config.ConfigValueFactory.fromAnyRef("instance-b")));
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> !a.ownedPartitions().isEmpty()
                        && !b.ownedPartitions().isEmpty());
                produceSteadily(f, events, 1000);
                await().atMost(Duration.ofSeconds(120)).until(() -> f.rows(f.enrichedTable).size() >= events);
            } finally {
                a.close();
                b.close();
            }
            List<Record> rows = f.rows(f.enrichedTable);
            assertThat(rows).hasSize(events);
            assertThat(origins(rows)).hasSize(events);
            assertThat(rows.stream().map(r -> r.getField("event_id")).collect(Collectors.toSet()))
                    .isEqualTo(expectedIds(events));
            Set<String> writers = new HashSet<>();
            for (Snapshot s : f.table(f.enrichedTable).snapshots()) {
                writers.add(s.summary().get(SnapshotOffsets.INSTANCE_KEY));
            }
            assertThat(writers).contains("instance-a", "instance-b");
            assertThat(SnapshotOffsets.latest(f.table(f.enrichedTable), f.id + "-loader")).hasSize(4);
        }
    }

    @Test
    void deletesDataFilesThatACrashLeftUncommittedAndKeepsCommittedOnes() throws Exception {
        try (LoaderFixture f = new LoaderFixture(1, Map.of())) {
            f.sendEnriched(LoaderFixture.event(1));
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> f.rows(f.enrichedTable).size() == 1);
            }
            Table table = f.table(f.enrichedTable);
            // What a loader killed between writing a file and committing it leaves behind.
            PartitionedFileWriter writer = new PartitionedFileWriter(table,
                    OutputFileFactory.builderFor(table, 7, 7).format(FileFormat.PARQUET).build(), 1 << 20);
            writer.write(decodedRow(table, 2));
            DataFile stray = writer.complete().get(0);
            assertThat(table.io().newInputFile(stray.location()).exists()).isTrue();

            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> !table.io().newInputFile(stray.location()).exists());
            }
            assertThat(orphanedDataFiles(f)).isEmpty();
            assertThat(f.rows(f.enrichedTable)).hasSize(1);
        }
    }

    @Test
    void flushesWhenAFileReachesTheTargetSizeAndTheRestOnShutdown() throws Exception {
        Map<String, String> settings = Map.of(
                "batch-loader.flush.target-file-size", "4KiB",
                "batch-loader.flush.max-age", "10m");
        try (LoaderFixture f = new LoaderFixture(1, settings)) {
            int events = 2500;
            BatchLoader loader = BatchLoader.start(f.config);
            try {
                produceSteadily(f, events, 5000);
                // Size checks run every 1000 rows: two full batches are committed, the last 500 wait.
                await().atMost(Duration.ofSeconds(60)).until(() -> f.rows(f.enrichedTable).size() >= 2000);
                assertThat(f.rows(f.enrichedTable).size()).isLessThan(events);
            } finally {
                loader.close();
            }
            assertThat(f.rows(f.enrichedTable)).hasSize(events);
        }
    }

    private static Record decodedRow(Table table, int n) {
        var decoder = new dev.noexcuses.loader.batch.write.RowDecoder(table.schema(),
                dev.noexcuses.loader.batch.table.EventTables.FAILED_EVENTS,
                dev.noexcuses.common.privacy.Pseudonymiser.from(dev.noexcuses.common.config.PlatformConfig.defaults(
                        java.util.Map.of())));
        return decoder.enriched(Json.toBytes(LoaderFixture.event(n)), new dev.noexcuses.loader.batch.write.RowDecoder
                .Origin("t", 0, 0, java.time.OffsetDateTime.now())).record();
    }

    /** Enriched events at about {@code perSecond}, one in a hundred unreadable, plus one DLQ record per hundred. */
    private static void produceSteadily(LoaderFixture f, int events, int perSecond) {
        int slice = Math.max(1, perSecond / 50);
        for (int n = 0; n < events; n++) {
            EventEnvelope event = LoaderFixture.event(n);
            f.sendAsync(f.enrichedTopic, event.partitionKey(), Json.toBytes(event));
            if (n % 100 == 0) {
                f.sendAsync(f.enrichedTopic, "junk", ("not json " + n).getBytes(StandardCharsets.UTF_8));
                f.sendAsync(n % 200 == 0 ? f.enrichedDlq : f.rawDlq, "k",
                        Json.toBytes(LoaderFixture.failure(n, "enricher", FailureType.SCHEMA_VIOLATION)));
            }
            if (n % slice == 0) {
                f.flushProducer();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        f.flushProducer();
    }

    private static Set<String> expectedIds(int events) {
        Set<String> ids = new HashSet<>();
        for (int n = 0; n < events; n++) {
            ids.add(LoaderFixture.event(n).eventId());
        }
        return ids;
    }

    private static Set<String> origins(List<Record> rows) {
        return rows.stream().map(r -> r.getField("kafka_topic") + "/" + r.getField("kafka_partition") + "/"
                + r.getField("kafka_offset")).collect(Collectors.toSet());
    }

    private static long commits(LoaderFixture f) {
        if (!f.tableExists(f.enrichedTable)) {
            return 0;
        }
        return StreamSupport.stream(f.table(f.enrichedTable).snapshots().spliterator(), false).count();
    }

    private static List<String> orphanedDataFiles(LoaderFixture f) {
        List<String> orphans = new ArrayList<>();
        for (String name : List.of(f.enrichedTable, f.failedTable)) {
            Table table = f.table(name);
            Set<String> referenced = new HashSet<>();
            for (Snapshot s : table.snapshots()) {
                s.addedDataFiles(table.io()).forEach(file -> referenced.add(file.location()));
            }
            for (FileInfo file : ((SupportsPrefixOperations) table.io()).listPrefix(table.location() + "/data/")) {
                if (!referenced.contains(file.location())) {
                    orphans.add(file.location());
                }
            }
        }
        return orphans;
    }

    private static Path writeConfig(LoaderFixture f) throws Exception {
        StringBuilder hocon = new StringBuilder();
        for (String key : List.of("kafka", "postgres", "s3", "batch-loader", "lake")) {
            hocon.append(key).append(" : ").append(f.config.getConfig(key).root()
                    .render(ConfigRenderOptions.concise())).append('\n');
        }
        Path file = Files.createTempFile("batch-loader-", ".conf");
        Files.writeString(file, hocon.toString());
        return file;
    }

    private static Process startChildLoader(Path configFile, int n) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Path.of("target", "child-loader-" + n + ".log");
        return new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "-Dbatch-loader.admin.port=0", BatchLoaderMain.class.getName(), configFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
