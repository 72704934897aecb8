package dev.noexcuses.loader.batch.lake;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./platform lake stats TABLE} shows: the table's snapshots, live data files and rows,
 * how its file sizes are spread, and the Kafka offsets stored by each consumer group.
 *
 * @param sizeBuckets files per size bucket, e.g. {@code "< 1 MiB" -> 240}
 * @param offsets consumer group -> topic -> partition -> next offset to read
 */
public record TableStats(
        String table,
        String location,
        int formatVersion,
        String partitioning,
        Long currentSnapshotId,
        Instant lastCommitAt,
        int snapshots,
        long dataFiles,
        long rows,
        long totalBytes,
        long partitions,
        long minFileBytes,
        long medianFileBytes,
        long p90FileBytes,
        long maxFileBytes,
        Map<String, Long> sizeBuckets,
        long smallFiles,
        long smallFileThresholdBytes,
        List<SnapshotInfo> recentSnapshots,
        Map<String, Map<String, Map<Integer, Long>>> offsets) {

    public TableStats {
        sizeBuckets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sizeBuckets));
        recentSnapshots = List.copyOf(recentSnapshots);
        offsets = Map.copyOf(offsets);
    }

    /** One snapshot as listed: id, time, operation, files and rows added, and who wrote it. */
    public record SnapshotInfo(long snapshotId, Instant committedAt, String operation, long addedFiles,
                               long addedRows, String writer) {}
}
