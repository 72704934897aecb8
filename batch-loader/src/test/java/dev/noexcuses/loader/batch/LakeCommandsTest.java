package dev.noexcuses.loader.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import dev.noexcuses.loader.batch.lake.LakeInspector;
import dev.noexcuses.loader.batch.lake.TableCompactor;
import dev.noexcuses.loader.batch.lake.TableStats;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;

class LakeCommandsTest {

    @Test
    void statsShowFilesRowsSizesAndOffsetsAndCompactionMergesSmallFilesKeepingRowsAndOffsets() throws Exception {
        try (LoaderFixture f = new LoaderFixture(1, Map.of("batch-loader.flush.max-age", "100ms"))) {
            int events = 0;
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                // Several small commits: one batch at a time, each waited for.
                for (int batch = 0; batch < 4; batch++) {
                    for (int i = 0; i < 30; i++) {
                        f.sendEnriched(LoaderFixture.event(events++));
                    }
                    int expected = events;
                    await().atMost(Duration.ofSeconds(30)).until(() -> f.rows(f.enrichedTable).size() == expected);
                }
            }
            LakeInspector inspector = new LakeInspector(f.lake().catalog());
            assertThat(inspector.tables()).contains(TableIdentifier.parse(f.enrichedTable),
                    TableIdentifier.parse(f.failedTable));

            TableStats before = inspector.stats(f.enrichedTable);
            assertThat(before.rows()).isEqualTo(events);
            assertThat(before.dataFiles()).isGreaterThanOrEqualTo(4 * 3 / 3 + 1);
            assertThat(before.snapshots()).isGreaterThanOrEqualTo(4);
            assertThat(before.partitions()).isEqualTo(3);
            assertThat(before.medianFileBytes()).isPositive();
            assertThat(before.sizeBuckets().get("< 1 MiB")).isEqualTo(before.dataFiles());
            assertThat(before.offsets()).containsKey(f.id + "-loader");
            assertThat(before.offsets().get(f.id + "-loader").get(f.enrichedTopic)).containsEntry(0, (long) events);

            TableCompactor.Result result = new TableCompactor(f.lake().catalog()).compact(f.enrichedTable, null);
            assertThat(result.filesBefore()).isEqualTo(before.dataFiles());
            assertThat(result.filesAfter()).isEqualTo(3);
            assertThat(result.rows()).isEqualTo(events);

            TableStats after = inspector.stats(f.enrichedTable);
            assertThat(after.dataFiles()).isEqualTo(3);
            assertThat(after.rows()).isEqualTo(events);
            assertThat(after.recentSnapshots().get(0).operation()).isEqualTo("replace");
            assertThat(f.rows(f.enrichedTable).stream().map(r -> r.getField("event_id")).collect(Collectors.toSet()))
                    .hasSize(events);
            // The offsets survive the compaction snapshot: a restarted loader goes on where it was.
            assertThat(SnapshotOffsets.latest(f.table(f.enrichedTable), f.id + "-loader")).containsValue((long) events);
            f.sendEnriched(LoaderFixture.event(events++));
            int expected = events;
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> f.rows(f.enrichedTable).size() == expected);
            }
            assertThat(f.rows(f.enrichedTable)).hasSize(expected);
        }
    }

    @Test
    void theLoaderResumesWhereItWasAfterCompactionAndTheExpiryOfEverySnapshotBeforeIt() throws Exception {
        try (LoaderFixture f = new LoaderFixture(1, Map.of("batch-loader.flush.max-age", "100ms"))) {
            String group = f.id + "-loader";
            int events = 0;
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                for (int batch = 0; batch < 3; batch++) {
                    for (int i = 0; i < 20; i++) {
                        f.sendEnriched(LoaderFixture.event(events++));
                    }
                    int expected = events;
                    await().atMost(Duration.ofSeconds(30)).until(() -> f.rows(f.enrichedTable).size() == expected);
                }
            }
            assertThat(new TableCompactor(f.lake().catalog()).compact(f.enrichedTable, null).filesAfter()).isEqualTo(3);
            // What the docs advise after compacting: only the newest snapshot (the compaction's) is kept.
            for (String name : new String[] {f.enrichedTable, f.failedTable}) {
                f.table(name).expireSnapshots().expireOlderThan(System.currentTimeMillis() + 1).retainLast(1).commit();
            }
            assertThat(f.table(f.enrichedTable).snapshots()).hasSize(1);

            for (int i = 0; i < 20; i++) {
                f.sendEnriched(LoaderFixture.event(events++));
            }
            int total = events;
            try (BatchLoader loader = BatchLoader.start(f.config)) {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        SnapshotOffsets.latest(f.table(f.enrichedTable), group).containsValue((long) total));
            }
            // Nothing loaded twice, nothing missing.
            assertThat(f.rows(f.enrichedTable)).hasSize(total);
            assertThat(f.rows(f.enrichedTable).stream().map(r -> r.getField("event_id")).collect(Collectors.toSet()))
                    .hasSize(total);
        }
    }
}
