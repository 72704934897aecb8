package dev.noexcuses.loader.batch.commit;

import java.util.Objects;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.SnapshotUpdate;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;

/**
 * Commits a snapshot only directly on top of the snapshot its caller checked.
 *
 * <p>The platform's commits carry Kafka offsets in their summary, computed from the table as the
 * caller read it. Iceberg's own {@code commit()} reloads the table before it builds the snapshot and
 * lays the change on whatever is newest then, so a commit by another writer in between would be
 * silently overwritten in the offsets (a loader would go back and load rows twice). Here the snapshot
 * is built first and kept only when its parent is the snapshot the caller checked; the catalog's
 * compare-and-swap then refuses it if anything landed since. Either way a refusal is a
 * {@link CommitFailedException}: the caller reads the table again and decides afresh.
 */
public final class GuardedCommit {
    private GuardedCommit() {}

    /**
     * @param checked the id of the table's current snapshot when the caller read it (null: the table was empty)
     * @return the committed snapshot
     */
    public static Snapshot commit(Table table, SnapshotUpdate<?> update, Long checked) {
        TableOperations ops = ((HasTableOperations) table).operations();
        Snapshot snapshot = update.apply();
        TableMetadata base = ops.current();
        if (!Objects.equals(snapshot.parentId(), checked)) {
            deleteWritten(table, snapshot);
            throw new CommitFailedException("%s changed since it was read (snapshot %s, read at %s)", table.name(),
                    snapshot.parentId(), checked);
        }
        TableMetadata updated = TableMetadata.buildFrom(base)
                .setBranchSnapshot(snapshot, SnapshotRef.MAIN_BRANCH)
                .build();
        try {
            ops.commit(base, updated);
        } catch (CommitStateUnknownException e) {
            throw e; // it may have landed: its files must stay
        } catch (RuntimeException e) {
            deleteWritten(table, snapshot);
            throw e;
        }
        return snapshot;
    }

    /** The manifests and manifest list written for a snapshot that was not committed. */
    private static void deleteWritten(Table table, Snapshot snapshot) {
        try {
            for (ManifestFile manifest : snapshot.allManifests(table.io())) {
                if (Objects.equals(manifest.snapshotId(), snapshot.snapshotId())) {
                    table.io().deleteFile(manifest.path());
                }
            }
            table.io().deleteFile(snapshot.manifestListLocation());
        } catch (RuntimeException ignored) {
            // Unreferenced metadata files are harmless; the orphan cleanup may remove them later.
        }
    }
}
