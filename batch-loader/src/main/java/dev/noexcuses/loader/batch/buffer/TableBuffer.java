package dev.noexcuses.loader.batch.buffer;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.data.Record;
import org.apache.kafka.common.TopicPartition;

/**
 * One table's uncommitted work: rows in open data files, and per Kafka partition the offset the
 * table has committed and the next offset the table still needs. A record below a table's next
 * offset is already in the table (or in this buffer) and is not written again, which is what makes
 * re-reading after a restart, a rebalance or a failed commit safe.
 */
public final class TableBuffer {
    private final String table;
    private final Supplier<PartitionedFileWriter> writers;
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private PartitionedFileWriter writer;
    private long openedAtNanos = -1;
    private long firstRowAtMillis = -1;
    private boolean moved;

    public TableBuffer(String table, Supplier<PartitionedFileWriter> writers) {
        this.table = requireNonNull(table, "table is null");
        this.writers = requireNonNull(writers, "writers is null");
    }

    public String table() {
        return table;
    }

    /** Takes over a partition whose committed offset in the table is {@code stored} (null: none yet). */
    public void assign(TopicPartition tp, Long stored) {
        if (stored == null) {
            committed.remove(tp);
            next.remove(tp);
        } else {
            committed.put(tp, stored);
            next.put(tp, stored);
        }
    }

    public void revoke(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> {
            committed.remove(tp);
            next.remove(tp);
        });
    }

    /** The offset to read {@code tp} from for this table (null: from the beginning). */
    public Long nextOffset(TopicPartition tp) {
        return next.get(tp);
    }

    public boolean needs(TopicPartition tp, long offset) {
        Long n = next.get(tp);
        return n == null || offset >= n;
    }

    /** Adds a row for the record at {@code offset}, which {@link #needs} this table. */
    public void add(TopicPartition tp, long offset, Record row) {
        if (writer == null) {
            writer = writers.get();
        }
        writer.write(row);
        if (firstRowAtMillis < 0) {
            firstRowAtMillis = System.currentTimeMillis();
        }
        passed(tp, offset);
    }

    /** The record at {@code offset} went elsewhere (or was already here): move past it. */
    public void passed(TopicPartition tp, long offset) {
        Long n = next.get(tp);
        if (n == null || offset >= n) {
            next.put(tp, offset + 1);
            moved = true;
            if (openedAtNanos < 0) {
                openedAtNanos = System.nanoTime();
            }
        }
    }

    public long bufferedRows() {
        return writer == null ? 0 : writer.rows();
    }

    /** Whether a flush is due: a data file reached the target size, or the oldest work is {@code maxAge} old. */
    public boolean due(Duration maxAge) {
        return hasFullFile() || moved && System.nanoTime() - openedAtNanos >= maxAge.toNanos();
    }

    /** Whether a data file has reached the target size. */
    public boolean hasFullFile() {
        return writer != null && writer.hasFullFile();
    }

    public boolean hasWork() {
        return moved;
    }

    /** Closes the open files; what to commit. */
    public Batch drain() {
        List<DataFile> files = writer == null ? List.of() : writer.complete();
        Map<TopicPartition, Long> from = new HashMap<>();
        Map<TopicPartition, Long> to = new HashMap<>();
        next.forEach((tp, offset) -> {
            Long c = committed.get(tp);
            if (c == null || offset > c) {
                to.put(tp, offset);
                if (c != null) {
                    from.put(tp, c);
                }
            }
        });
        return new Batch(files, from, to, firstRowAtMillis);
    }

    /** The batch is in the table. */
    public void committed(Batch batch) {
        committed.putAll(batch.to());
        resetClock();
    }

    /**
     * Drops uncommitted rows (their files are deleted) and goes back to the committed offsets,
     * or to {@code stored} for the partitions given there.
     */
    public void rewind(Map<TopicPartition, Long> stored) {
        if (writer != null) {
            writer.abort();
        }
        committed.putAll(stored);
        next.clear();
        next.putAll(committed);
        resetClock();
    }

    private void resetClock() {
        moved = false;
        openedAtNanos = -1;
        firstRowAtMillis = -1;
    }

    /** Data files and the offsets they cover: from (absent: nothing committed before) and to. */
    public record Batch(List<DataFile> files, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to,
                        long firstRowAtMillis) {
        public long rows() {
            return files.stream().mapToLong(DataFile::recordCount).sum();
        }

        public long bytes() {
            return files.stream().mapToLong(DataFile::fileSizeInBytes).sum();
        }
    }
}
