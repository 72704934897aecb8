package dev.noexcuses.loader.batch;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.loader.batch.table.LakeSettings;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The batch loader's settings ({@code batch-loader.*}, documented in its reference.conf), validated
 * once at start.
 *
 * @param instanceId names this instance in commit summaries and logs
 * @param staticMembership whether the instance id was configured: then it is also the Kafka group
 *     instance id, so a restarted instance takes its partitions back at once, without a rebalance
 * @param enrichedTopic feeds {@code enrichedTable}
 * @param failedTopics feed {@code failedTable}
 * @param targetFileSizeBytes a table's buffered rows are flushed when a data file reaches this size
 * @param maxBufferAge ... or when its oldest buffered row is this old
 * @param orphanFilesMinAge unreferenced files younger than this are left alone (another instance may be about
 *     to commit them)
 * @param orphanFilesInterval how often unreferenced files are looked for after the check at start (zero: only at start)
 */
public record LoaderSettings(
        String instanceId,
        boolean staticMembership,
        String groupId,
        String enrichedTopic,
        List<String> failedTopics,
        String enrichedTable,
        String failedTable,
        long targetFileSizeBytes,
        Duration maxBufferAge,
        int commitRetries,
        Duration commitRetryBackoff,
        Duration orphanFilesMinAge,
        Duration orphanFilesInterval,
        int maxPollRecords,
        String adminHost,
        int adminPort,
        Map<String, String> tableProperties,
        LakeSettings lake) {

    public LoaderSettings {
        requireNonNull(instanceId, "instanceId is null");
        requireNonNull(groupId, "groupId is null");
        requireNonNull(enrichedTopic, "enrichedTopic is null");
        failedTopics = List.copyOf(failedTopics);
        requireNonNull(enrichedTable, "enrichedTable is null");
        requireNonNull(failedTable, "failedTable is null");
        requireNonNull(maxBufferAge, "maxBufferAge is null");
        requireNonNull(commitRetryBackoff, "commitRetryBackoff is null");
        requireNonNull(orphanFilesMinAge, "orphanFilesMinAge is null");
        requireNonNull(orphanFilesInterval, "orphanFilesInterval is null");
        requireNonNull(adminHost, "adminHost is null");
        tableProperties = Map.copyOf(tableProperties);
        requireNonNull(lake, "lake is null");
        check(!groupId.isBlank(), "Invalid batch-loader.group-id: it is blank");
        check(targetFileSizeBytes >= 1024, "Invalid batch-loader.flush.target-file-size: %s bytes, expected at least 1 KiB",
                targetFileSizeBytes);
        check(!maxBufferAge.isNegative() && !maxBufferAge.isZero(),
                "Invalid batch-loader.flush.max-age: %s, expected a positive duration", maxBufferAge);
        check(commitRetries >= 0, "Invalid batch-loader.commit.retries: %s, expected 0 or more", commitRetries);
        check(maxPollRecords > 0, "Invalid batch-loader.max-poll-records: %s, expected at least 1", maxPollRecords);
        check(adminPort >= 0 && adminPort <= 65535, "Invalid batch-loader.admin.port: %s", adminPort);
        check(!enrichedTable.equals(failedTable), "Invalid batch-loader.tables: both are %s", enrichedTable);
        check(!failedTopics.contains(enrichedTopic), "Invalid batch-loader.topics: %s is both enriched and failed",
                enrichedTopic);
    }

    public static LoaderSettings from(Config config) {
        Config c = config.getConfig("batch-loader");
        String instanceId = c.getString("instance-id");
        boolean staticMembership = !instanceId.isBlank();
        if (!staticMembership) {
            instanceId = defaultInstanceId();
        }
        Map<String, String> props = new TreeMap<>();
        c.getConfig("table-properties").entrySet()
                .forEach(e -> props.put(unquote(e.getKey()), String.valueOf(e.getValue().unwrapped())));
        return new LoaderSettings(
                instanceId,
                staticMembership,
                c.getString("group-id"),
                c.getString("topics.enriched"),
                c.getStringList("topics.failed"),
                c.getString("tables.enriched-events"),
                c.getString("tables.failed-events"),
                c.getBytes("flush.target-file-size"),
                c.getDuration("flush.max-age"),
                c.getInt("commit.retries"),
                c.getDuration("commit.retry-backoff"),
                c.getDuration("orphan-files.min-age"),
                c.getDuration("orphan-files.interval"),
                c.getInt("max-poll-records"),
                c.getString("admin.host"),
                c.getInt("admin.port"),
                props,
                LakeSettings.from(config));
    }

    /** Every topic the loader reads. */
    public List<String> topics() {
        List<String> all = new java.util.ArrayList<>();
        all.add(enrichedTopic);
        all.addAll(failedTopics);
        return List.copyOf(all);
    }

    private static String unquote(String key) {
        return key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1) : key;
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        String pid = ManagementFactory.getRuntimeMXBean().getName().split("@")[0];
        return host + "-" + pid + "-" + Long.toHexString(System.nanoTime() & 0xffff);
    }

    private static void check(boolean condition, String message, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
