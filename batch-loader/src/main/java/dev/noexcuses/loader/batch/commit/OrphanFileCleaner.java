package dev.noexcuses.loader.batch.commit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsBulkOperations;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes data files that no snapshot of the table references: what a loader leaves behind when it
 * dies between writing files and committing them. Files younger than {@code minAge} are kept,
 * since another instance may be about to commit them.
 */
public final class OrphanFileCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanFileCleaner.class);

    private final Duration minAge;

    public OrphanFileCleaner(Duration minAge) {
        this.minAge = requireNonNull(minAge, "minAge is null");
    }

    /** Deletes the orphaned data files; returns their locations. */
    public List<String> clean(Table table) {
        if (!(table.io() instanceof SupportsPrefixOperations prefixes)) {
            LOG.warn("Cannot look for orphaned files of {}: its FileIO cannot list files", table.name());
            return List.of();
        }
        table.refresh();
        long cutoff = System.currentTimeMillis() - minAge.toMillis();
        List<String> candidates = new ArrayList<>();
        for (FileInfo file : prefixes.listPrefix(table.location() + "/data/")) {
            if (file.createdAtMillis() <= cutoff) {
                candidates.add(file.location());
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        Set<String> referenced = referencedDataFiles(table);
        List<String> orphans = candidates.stream().filter(f -> !referenced.contains(f)).toList();
        if (orphans.isEmpty()) {
            return List.of();
        }
        if (table.io() instanceof SupportsBulkOperations bulk) {
            bulk.deleteFiles(orphans);
        } else {
            orphans.forEach(table.io()::deleteFile);
        }
        LOG.info("Deleted {} orphaned data file(s) of {} (written but never committed)", orphans.size(),
                table.name());
        return orphans;
    }

    /** Every data file any snapshot still references. */
    static Set<String> referencedDataFiles(Table table) {
        Set<String> files = new HashSet<>();
        Set<String> manifestsSeen = new HashSet<>();
        for (Snapshot snapshot : table.snapshots()) {
            for (ManifestFile manifest : snapshot.allManifests(table.io())) {
                if (!manifestsSeen.add(manifest.path())) {
                    continue;
                }
                try (ManifestReader<DataFile> reader = ManifestFiles.read(manifest, table.io(), table.specs())) {
                    for (DataFile file : reader) {
                        files.add(file.location());
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("Cannot read manifest " + manifest.path(), e);
                }
            }
        }
        return files;
    }
}
