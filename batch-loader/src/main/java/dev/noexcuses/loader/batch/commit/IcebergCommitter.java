package dev.noexcuses.loader.batch.commit;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a batch of data files to a table together with the Kafka offsets they cover, atomically:
 * the files and the offsets land in one snapshot or not at all.
 *
 * <p>Several loader instances share a table, each with its own partitions. Before each attempt the
 * committer reloads the table and checks that, for its partitions, the offsets stored are still
 * those its batch started from; then it stores the whole group's map with its own partitions
 * moved forward. The catalog's compare-and-swap makes a concurrent commit fail this attempt, and
 * the next attempt sees the other instance's offsets (retried here with the platform's retry policy,
 * not by Iceberg, whose retry would reuse a stale summary). The snapshot is laid only on the one
 * whose offsets were checked ({@link GuardedCommit}). If another instance has moved one of our partitions forward, we
 * are a zombie after a rebalance: the batch is refused ({@link Outcome#FENCED}) and never duplicated.
 */
public final class IcebergCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(IcebergCommitter.class);

    private final Table table;
    private final String groupId;
    private final String instanceId;
    private final int retries;
    private final Duration backoff;

    public IcebergCommitter(Table table, String groupId, String instanceId, int retries, Duration backoff) {
        this.table = requireNonNull(table, "table is null");
        this.groupId = requireNonNull(groupId, "groupId is null");
        this.instanceId = requireNonNull(instanceId, "instanceId is null");
        this.retries = retries;
        this.backoff = requireNonNull(backoff, "backoff is null");
    }

    public enum Outcome { COMMITTED, FENCED }

    /**
     * @param files the data files of the batch (may be empty: then only offsets move)
     * @param from per partition, the offset the batch started from (absent: nothing committed before)
     * @param to per partition, the next offset to read after this batch
     * @param retryCount incremented on every retried attempt
     */
    public Result commit(List<DataFile> files, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to,
                         Runnable retryCount) {
        String commitId = UUID.randomUUID().toString();
        RetryPolicy<Result> policy = Retries.<Result>exponentialBackoff(backoff, backoff.multipliedBy(64))
                .handle(CommitFailedException.class, CommitStateUnknownException.class)
                .withMaxRetries(retries)
                .onRetry(e -> {
                    retryCount.run();
                    LOG.debug("Commit to {} conflicted (attempt {}), retrying: {}", table.name(), e.getAttemptCount(),
                            e.getLastException().getMessage());
                })
                .build();
        try {
            return Failsafe.with(policy).get(() -> attempt(files, from, to, commitId));
        } catch (CommitFailedException e) {
            throw new CommitFailedException(e, "Cannot commit %d file(s) to %s after %d attempts: %s",
                    files.size(), table.name(), retries + 1, e.getMessage());
        } catch (FailsafeException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Interrupted while retrying a commit to " + table.name(), e);
        }
    }

    /** One attempt: fenced, committed, or an exception the retry policy decides about. */
    private Result attempt(List<DataFile> files, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to,
                           String commitId) {
        table.refresh();
        Snapshot checked = table.currentSnapshot();
        Map<TopicPartition, Long> stored = SnapshotOffsets.latest(table, groupId);
        for (TopicPartition tp : to.keySet()) {
            if (!Objects.equals(stored.get(tp), from.get(tp))) {
                LOG.warn("Not committing {} file(s) to {}: {} is at offset {} in the table, this batch started at {}"
                        + " (another instance owns the partition now)", files.size(), table.name(), tp,
                        stored.get(tp), from.get(tp));
                return new Result(Outcome.FENCED, null, stored);
            }
        }
        Map<TopicPartition, Long> merged = new TreeMap<>(SnapshotOffsets::compare);
        merged.putAll(stored);
        merged.putAll(to);
        AppendFiles append = table.newAppend();
        files.forEach(append::appendFile);
        append.set(SnapshotOffsets.key(groupId), SnapshotOffsets.format(merged));
        append.set(SnapshotOffsets.INSTANCE_KEY, instanceId);
        append.set(SnapshotOffsets.COMMIT_ID_KEY, commitId);
        try {
            Snapshot landed = GuardedCommit.commit(table, append, checked == null ? null : checked.snapshotId());
            table.refresh();
            return new Result(Outcome.COMMITTED, landed, merged);
        } catch (CommitStateUnknownException e) {
            // The catalog may or may not have taken it: look for our commit id before deciding.
            table.refresh();
            Snapshot landed = findCommit(commitId);
            if (landed != null) {
                return new Result(Outcome.COMMITTED, landed, merged);
            }
            throw e;
        }
    }

    private Snapshot findCommit(String commitId) {
        for (Snapshot s : table.snapshots()) {
            if (commitId.equals(s.summary().get(SnapshotOffsets.COMMIT_ID_KEY))) {
                return s;
            }
        }
        return null;
    }

    /** The partitions' offsets as stored in the table now. */
    public Map<TopicPartition, Long> storedOffsets(Set<TopicPartition> partitions) {
        table.refresh();
        Map<TopicPartition, Long> stored = SnapshotOffsets.latest(table, groupId);
        Map<TopicPartition, Long> result = new HashMap<>();
        for (TopicPartition tp : partitions) {
            if (stored.containsKey(tp)) {
                result.put(tp, stored.get(tp));
            }
        }
        return result;
    }

    public Table table() {
        return table;
    }

    /** What a commit did; {@code offsets} is the group's whole map as now stored. */
    public record Result(Outcome outcome, Snapshot snapshot, Map<TopicPartition, Long> offsets) {}
}
