package dev.noexcuses.loader.realtime.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.json.Json;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import dev.noexcuses.loader.realtime.document.SourceRecord;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BulkScheduleTest {
    private static final long NO_LINGER = 0;

    @Test
    void aDocumentReadWhileNoBulkIsInFlightIsSentAtOnce() {
        BulkSchedule schedule = new BulkSchedule(1000, 5_000_000, NO_LINGER);
        Batch batch = batchOf(1);

        assertThat(schedule.sendNow(batch, false)).isTrue();
    }

    @Test
    void documentsReadWhileABulkIsInFlightGatherIntoTheNextUntilItIsFull() {
        BulkSchedule schedule = new BulkSchedule(100, 5_000_000, NO_LINGER);
        Batch batch = batchOf(99);
        assertThat(schedule.sendNow(batch, true)).isFalse();

        add(batch, 99);
        assertThat(schedule.sendNow(batch, true)).isTrue();
    }

    @Test
    void aBatchAsLargeAsTheByteLimitIsSentWhateverIsInFlight() {
        BulkSchedule schedule = new BulkSchedule(1000, 2_000, NO_LINGER);
        Batch batch = batchOf(2);

        assertThat(schedule.sendNow(batch, true)).isTrue();
    }

    @Test
    void withALingerAFreshBatchWaitsForMoreDocuments() {
        BulkSchedule schedule = new BulkSchedule(1000, 5_000_000, TimeUnit.HOURS.toNanos(1));

        assertThat(schedule.sendNow(batchOf(1), false)).isFalse();
    }

    @Test
    void anEmptyBatchIsNeverSent() {
        BulkSchedule schedule = new BulkSchedule(1000, 5_000_000, NO_LINGER);

        assertThat(schedule.sendNow(new Batch(), false)).isFalse();
    }

    private static Batch batchOf(int documents) {
        Batch batch = new Batch();
        for (int i = 0; i < documents; i++) {
            add(batch, i);
        }
        return batch;
    }

    /** A document of about 1,000 bytes (its record's 872 and a bulk line's overhead) from {@code offset}. */
    private static void add(Batch batch, long offset) {
        batch.add(new IndexDocument(IndexDocument.Kind.ENRICHED, "events-enriched-2026.12.02", "id-" + offset,
                Json.mapper().createObjectNode(), new SourceRecord("events.enriched", 0, offset, 0L, new byte[872]),
                null));
    }
}
