package dev.noexcuses.loader.batch.lake;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.loader.batch.commit.SnapshotOffsets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.common.TopicPartition;

/** Reads what the lake holds: its tables, and each table's snapshots, files, rows and stored offsets. */
public final class LakeInspector {
    private static final long MIB = 1024 * 1024;
    private static final int RECENT_SNAPSHOTS = 10;

    private final Catalog catalog;

    public LakeInspector(Catalog catalog) {
        this.catalog = requireNonNull(catalog, "catalog is null");
    }

    /** Every table of every namespace, sorted. */
    public List<TableIdentifier> tables() {
        List<TableIdentifier> tables = new ArrayList<>();
        if (catalog instanceof SupportsNamespaces namespaces) {
            collect(namespaces, Namespace.empty(), tables);
        }
        tables.sort((a, b) -> a.toString().compareTo(b.toString()));
        return tables;
    }

    private void collect(SupportsNamespaces namespaces, Namespace parent, List<TableIdentifier> into) {
        for (Namespace ns : namespaces.listNamespaces(parent)) {
            into.addAll(catalog.listTables(ns));
            collect(namespaces, ns, into);
        }
    }

    public TableStats stats(String tableName) {
        Table table = catalog.loadTable(TableIdentifier.parse(tableName));
        List<Long> sizes = new ArrayList<>();
        Set<String> partitions = new HashSet<>();
        long rows = 0;
        long bytes = 0;
        if (table.currentSnapshot() != null) {
            try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
                for (FileScanTask task : tasks) {
                    sizes.add(task.file().fileSizeInBytes());
                    rows += task.file().recordCount();
                    bytes += task.file().fileSizeInBytes();
                    partitions.add(task.spec().partitionToPath(task.file().partition()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list the files of " + tableName, e);
            }
        }
        sizes.sort(Long::compare);
        long target = Long.parseLong(table.properties().getOrDefault(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                String.valueOf(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT)));
        long smallThreshold = TableCompactor.smallFileThreshold(target);
        Map<String, Long> buckets = new LinkedHashMap<>();
        for (String bucket : List.of("< 1 MiB", "1-16 MiB", "16-64 MiB", "64-128 MiB", ">= 128 MiB")) {
            buckets.put(bucket, 0L);
        }
        long small = 0;
        for (long size : sizes) {
            String bucket = size < MIB ? "< 1 MiB" : size < 16 * MIB ? "1-16 MiB" : size < 64 * MIB ? "16-64 MiB"
                    : size < 128 * MIB ? "64-128 MiB" : ">= 128 MiB";
            buckets.merge(bucket, 1L, Long::sum);
            if (size < smallThreshold) {
                small++;
            }
        }
        List<Snapshot> all = new ArrayList<>();
        table.snapshots().forEach(all::add);
        all.sort((a, b) -> Long.compare(b.timestampMillis(), a.timestampMillis()));
        List<TableStats.SnapshotInfo> recent = all.stream().limit(RECENT_SNAPSHOTS).map(s -> new TableStats.SnapshotInfo(
                s.snapshotId(), Instant.ofEpochMilli(s.timestampMillis()), s.operation(),
                Long.parseLong(s.summary().getOrDefault("added-data-files", "0")),
                Long.parseLong(s.summary().getOrDefault("added-records", "0")),
                s.summary().get(SnapshotOffsets.INSTANCE_KEY))).toList();
        Snapshot current = table.currentSnapshot();
        int formatVersion = table instanceof HasTableOperations ops ? ops.operations().current().formatVersion() : 0;
        return new TableStats(tableName, table.location(), formatVersion, partitioning(table),
                current == null ? null : current.snapshotId(),
                current == null ? null : Instant.ofEpochMilli(current.timestampMillis()),
                all.size(), sizes.size(), rows, bytes, partitions.size(),
                sizes.isEmpty() ? 0 : sizes.get(0), percentile(sizes, 0.5), percentile(sizes, 0.9),
                sizes.isEmpty() ? 0 : sizes.get(sizes.size() - 1), buckets, small, smallThreshold, recent,
                offsets(table));
    }

    /** e.g. {@code day(received_at)}; {@code unpartitioned} when there is no partition field. */
    private static String partitioning(Table table) {
        if (table.spec().isUnpartitioned()) {
            return "unpartitioned";
        }
        return String.join(", ", table.spec().fields().stream()
                .map(f -> f.transform() + "(" + table.schema().findColumnName(f.sourceId()) + ")").toList());
    }

    /** The latest offsets of every consumer group that has committed to the table. */
    private static Map<String, Map<String, Map<Integer, Long>>> offsets(Table table) {
        Map<String, Map<String, Map<Integer, Long>>> groups = new TreeMap<>();
        Snapshot s = table.currentSnapshot();
        while (s != null) {
            SnapshotOffsets.inSnapshot(s).forEach((group, offsets) -> {
                if (!groups.containsKey(group)) {
                    Map<String, Map<Integer, Long>> byTopic = new TreeMap<>();
                    for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
                        byTopic.computeIfAbsent(e.getKey().topic(), t -> new TreeMap<>())
                                .put(e.getKey().partition(), e.getValue());
                    }
                    groups.put(group, byTopic);
                }
            });
            s = s.parentId() == null ? null : table.snapshot(s.parentId());
        }
        return groups;
    }

    private static long percentile(List<Long> sorted, double p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
