package dev.noexcuses.loader.batch.lake;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import dev.noexcuses.loader.batch.commit.GuardedCommit;
import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.parquet.Parquet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts a table's small files: in each partition with at least two files under the small-file
 * threshold, their rows are rewritten into files of the target size and swapped in with Iceberg's
 * rewrite operation ({@code table.newRewrite()}), one atomic snapshot per table. Readers see the
 * same rows before and after; loaders keep appending meanwhile (a conflicting commit is retried).
 */
public final class TableCompactor {
    private static final Logger LOG = LoggerFactory.getLogger(TableCompactor.class);
    private static final int RETRIES = 10;

    private final Catalog catalog;

    public TableCompactor(Catalog catalog) {
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    /** A file is small below three quarters of the target size. */
    static long smallFileThreshold(long targetFileSizeBytes) {
        return targetFileSizeBytes * 3 / 4;
    }

    /** What a compaction did. */
    public record Result(String table, int partitionsRewritten, int filesBefore, int filesAfter, long rows,
                         long bytesBefore, long bytesAfter, Long snapshotId) {}

    /**
     * @param targetFileSizeBytes the size of the new files; null: the table's write.target-file-size-bytes
     */
    public Result compact(String tableName, Long targetFileSizeBytes) {
        Table table = catalog.loadTable(TableIdentifier.parse(tableName));
        long target = targetFileSizeBytes != null ? targetFileSizeBytes
                : Long.parseLong(table.properties().getOrDefault(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                        String.valueOf(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT)));
        Snapshot start = table.currentSnapshot();
        if (start == null) {
            return new Result(table.name(), 0, 0, 0, 0, 0, 0, null);
        }
        Map<String, List<DataFile>> smallByPartition = new LinkedHashMap<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(start.snapshotId()).planFiles()) {
            for (FileScanTask task : tasks) {
                if (task.file().fileSizeInBytes() < smallFileThreshold(target) && task.deletes().isEmpty()
                        && task.spec().specId() == table.spec().specId()) {
                    smallByPartition.computeIfAbsent(task.spec().partitionToPath(task.file().partition()),
                            p -> new ArrayList<>()).add(task.file());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot plan the compaction of " + tableName, e);
        }
        smallByPartition.values().removeIf(files -> files.size() < 2);
        if (smallByPartition.isEmpty()) {
            return new Result(table.name(), 0, 0, 0, 0, 0, 0, start.snapshotId());
        }
        OutputFileFactory files = OutputFileFactory.builderFor(table, 1, 0).format(FileFormat.PARQUET)
                .operationId("compact-" + UUID.randomUUID()).build();
        Set<DataFile> removed = new HashSet<>();
        List<DataFile> added = new ArrayList<>();
        long rows = 0;
        for (List<DataFile> group : smallByPartition.values()) {
            PartitionedFileWriter writer = new PartitionedFileWriter(table, files, target);
            for (DataFile file : group) {
                try (CloseableIterable<Record> records = Parquet.read(table.io().newInputFile(file.location()))
                        .project(table.schema())
                        .createReaderFunc(schema -> GenericParquetReaders.buildReader(table.schema(), schema))
                        .build()) {
                    for (Record r : records) {
                        writer.write(r);
                        rows++;
                    }
                } catch (IOException e) {
                    writer.abort();
                    throw new UncheckedIOException("Cannot read " + file.location(), e);
                }
                removed.add(file);
            }
            added.addAll(writer.complete());
        }
        Snapshot committed = commit(table, removed, added, start.snapshotId());
        long before = removed.stream().mapToLong(DataFile::fileSizeInBytes).sum();
        long after = added.stream().mapToLong(DataFile::fileSizeInBytes).sum();
        LOG.info("Compacted {}: {} small file(s) in {} partition(s) into {} file(s), {} rows", table.name(),
                removed.size(), smallByPartition.size(), added.size(), rows);
        return new Result(table.name(), smallByPartition.size(), removed.size(), added.size(), rows, before, after,
                committed.snapshotId());
    }

    private static Snapshot commit(Table table, Set<DataFile> removed, List<DataFile> added, long startSnapshotId) {
        RetryPolicy<Snapshot> policy = Retries.<Snapshot>exponentialBackoff(Duration.ofMillis(50), Duration.ofMillis(1600))
                .handle(CommitFailedException.class)
                .withMaxRetries(RETRIES)
                .build();
        try {
            return Failsafe.with(policy).get(() -> {
                table.refresh();
                Snapshot checked = table.currentSnapshot();
                RewriteFiles rewrite = table.newRewrite().validateFromSnapshot(startSnapshotId);
                removed.forEach(rewrite::deleteFile);
                added.forEach(rewrite::addFile);
                rewrite.set("noexcuses.compaction", "small-files");
                // The loaders' offsets move into this snapshot too: once older snapshots are expired a
                // loader still finds where to resume. The snapshot is laid only on the one they were read
                // from, so a loader commit in between fails this attempt and the next one carries the newer
                // offsets.
                SnapshotOffsets.carriedForward(table).forEach(rewrite::set);
                return GuardedCommit.commit(table, rewrite, checked == null ? null : checked.snapshotId());
            });
        } catch (RuntimeException e) {
            added.forEach(f -> table.io().deleteFile(f.location()));
            throw e;
        }
    }
}
