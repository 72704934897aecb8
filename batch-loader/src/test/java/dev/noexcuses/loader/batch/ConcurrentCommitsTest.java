package dev.noexcuses.loader.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.loader.batch.commit.IcebergCommitter;
import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import dev.noexcuses.loader.batch.table.EventTables;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Two loader instances share a table, each committing its own partitions, as after a scale-out. A
 * commit of one that lands while the other is between checking the table's offsets and committing
 * must not be overwritten by the other's offset map, read before it: that would move the first
 * instance's partition back, so its next commit is refused as a zombie's, or a restart loads rows twice.
 */
class ConcurrentCommitsTest {
    @Test
    void aCommitLandingBetweenAnotherInstancesOffsetCheckAndItsCommitKeepsItsOffsets() throws Exception {
        try (LoaderFixture fixture = new LoaderFixture(2, Map.of())) {
            TableIdentifier id = EventTables.identifier(fixture.enrichedTable);
            EventTables.ensure(fixture.lake().catalog(), id, EventTables.ENRICHED_EVENTS, Map.of());
            TopicPartition p0 = new TopicPartition(fixture.enrichedTopic, 0);
            TopicPartition p1 = new TopicPartition(fixture.enrichedTopic, 1);
            String group = fixture.id + "-loader";
            Duration backoff = Duration.ofMillis(5);
            // Each instance has its own view of the table, as separate processes do.
            IcebergCommitter b = new IcebergCommitter(fixture.lake().catalog().loadTable(id), group, "instance-b", 5,
                    backoff);
            AtomicInteger appendsPrepared = new AtomicInteger();
            Table viewOfA = beforeEachAppend(fixture.lake().catalog().loadTable(id), () -> {
                if (appendsPrepared.getAndIncrement() == 0) {
                    // B commits p1 after A has read the table's offsets, before A commits p0.
                    assertThat(b.commit(List.of(), Map.of(), Map.of(p1, 1L), () -> {}).outcome())
                            .isEqualTo(IcebergCommitter.Outcome.COMMITTED);
                }
            });
            IcebergCommitter a = new IcebergCommitter(viewOfA, group, "instance-a", 5, backoff);

            assertThat(a.commit(List.of(), Map.of(), Map.of(p0, 1L), () -> {}).outcome())
                    .isEqualTo(IcebergCommitter.Outcome.COMMITTED);
            assertThat(appendsPrepared).as("A's first attempt is refused and made again on B's commit").hasValue(2);
            assertThat(SnapshotOffsets.latest(fixture.table(fixture.enrichedTable), group))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(p0, 1L, p1, 1L));
            // B goes on from where it was: nothing moved its partition back.
            assertThat(b.commit(List.of(), Map.of(p1, 1L), Map.of(p1, 2L), () -> {}).outcome())
                    .isEqualTo(IcebergCommitter.Outcome.COMMITTED);
            assertThat(SnapshotOffsets.latest(fixture.table(fixture.enrichedTable), group))
                    .containsExactlyInAnyOrderEntriesOf(Map.of(p0, 1L, p1, 2L));
        }
    }

    /** The real table, with {@code hook} run each time an append is started on it: the other instance's moment. */
    private static Table beforeEachAppend(Table table, Runnable hook) {
        return (Table) Proxy.newProxyInstance(Table.class.getClassLoader(),
                new Class<?>[] {Table.class, HasTableOperations.class}, (proxy, method, args) -> {
                    if (method.getName().equals("newAppend")) {
                        hook.run();
                    }
                    try {
                        return method.invoke(table, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
