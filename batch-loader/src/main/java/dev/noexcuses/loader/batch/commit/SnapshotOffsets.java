package dev.noexcuses.loader.batch.commit;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka offsets a table's data covers, kept in the summary of each snapshot the loader commits
 * (as Iceberg's Kafka Connect sink does): one summary key per consumer group,
 * {@code noexcuses.kafka-offsets.<group>}, whose JSON value maps topic to partition to the next
 * offset to read. Every commit stores the whole map of its group, so the newest snapshot that has
 * the key knows every partition. The platform's other commits (compaction) carry every group's map
 * forward ({@link #carriedForward}), so expiring old snapshots never loses the offsets; snapshots of
 * other writers are walked past.
 */
public final class SnapshotOffsets {
    public static final String KEY_PREFIX = "noexcuses.kafka-offsets.";
    public static final String INSTANCE_KEY = "noexcuses.loader-instance";
    public static final String COMMIT_ID_KEY = "noexcuses.commit-id";
    private static final TypeReference<Map<String, Map<String, Long>>> TYPE = new TypeReference<>() {};

    private SnapshotOffsets() {}

    public static String key(String groupId) {
        return KEY_PREFIX + groupId;
    }

    /** The next offset to read per partition, as of the table's current state, for {@code groupId}. */
    public static Map<TopicPartition, Long> latest(Table table, String groupId) {
        Snapshot snapshot = table.currentSnapshot();
        String key = key(groupId);
        while (snapshot != null) {
            String value = snapshot.summary().get(key);
            if (value != null) {
                return parse(value);
            }
            snapshot = snapshot.parentId() == null ? null : table.snapshot(snapshot.parentId());
        }
        return Map.of();
    }

    /**
     * Every group's latest offsets as of the table's current state, as summary entries ready to be set
     * on a snapshot: what a commit that is not the loader's (compaction) carries forward, so the offsets
     * stay in the newest snapshot and survive the expiry of the older ones.
     */
    public static Map<String, String> carriedForward(Table table) {
        Map<String, String> entries = new TreeMap<>();
        Snapshot snapshot = table.currentSnapshot();
        while (snapshot != null) {
            snapshot.summary().forEach((k, v) -> {
                if (k.startsWith(KEY_PREFIX)) {
                    entries.putIfAbsent(k, v);
                }
            });
            snapshot = snapshot.parentId() == null ? null : table.snapshot(snapshot.parentId());
        }
        return entries;
    }

    /** Every group's offsets as stored in {@code snapshot}'s summary. */
    public static Map<String, Map<TopicPartition, Long>> inSnapshot(Snapshot snapshot) {
        Map<String, Map<TopicPartition, Long>> groups = new TreeMap<>();
        snapshot.summary().forEach((k, v) -> {
            if (k.startsWith(KEY_PREFIX)) {
                groups.put(k.substring(KEY_PREFIX.length()), parse(v));
            }
        });
        return groups;
    }

    public static Map<TopicPartition, Long> parse(String json) {
        try {
            Map<String, Map<String, Long>> byTopic = Json.mapper().readValue(json, TYPE);
            Map<TopicPartition, Long> offsets = new TreeMap<>(SnapshotOffsets::compare);
            byTopic.forEach((topic, partitions) -> partitions.forEach(
                    (p, offset) -> offsets.put(new TopicPartition(topic, Integer.parseInt(p)), offset)));
            return offsets;
        } catch (IOException e) {
            throw new UncheckedIOException("Invalid Kafka offsets in a snapshot summary: " + json, e);
        }
    }

    public static String format(Map<TopicPartition, Long> offsets) {
        Map<String, Map<String, Long>> byTopic = new TreeMap<>();
        offsets.forEach((tp, offset) -> byTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>(
                (a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b))))
                .put(String.valueOf(tp.partition()), offset));
        return Json.toText(byTopic);
    }

    public static int compare(TopicPartition a, TopicPartition b) {
        int c = a.topic().compareTo(b.topic());
        return c != 0 ? c : Integer.compare(a.partition(), b.partition());
    }
}
