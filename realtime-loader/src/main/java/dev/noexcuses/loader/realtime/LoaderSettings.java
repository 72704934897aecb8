package dev.noexcuses.loader.realtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.noexcuses.loader.realtime.document.DayFrom;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.loader.realtime.index.DataMapping;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The loader's validated {@code realtime-loader.*} settings and the cluster it writes to. */
public record LoaderSettings(
        String groupId,
        String enrichedTopic,
        List<String> failedTopics,
        String enrichedPrefix,
        String failedPrefix,
        DayFrom dayFrom,
        int shards,
        int replicas,
        Duration refreshInterval,
        DataMapping dataMapping,
        int bulkMaxDocuments,
        long bulkMaxBytes,
        Duration flushInterval,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration requestTimeout,
        int retentionDays,
        Duration retentionCheckInterval,
        Duration shutdownTimeout,
        Map<String, String> consumerProperties,
        String adminHost,
        int adminPort,
        ClusterAccess cluster) {

    public LoaderSettings {
        requireNonNull(groupId, "groupId is null");
        failedTopics = List.copyOf(failedTopics);
        consumerProperties = Map.copyOf(consumerProperties);
        check(bulkMaxDocuments > 0, "bulk.max-documents", bulkMaxDocuments, "at least 1");
        check(bulkMaxBytes >= 1024, "bulk.max-bytes", bulkMaxBytes, "at least 1k");
        check(!flushInterval.isNegative() && flushInterval.compareTo(Duration.ofSeconds(1)) <= 0,
                "bulk.flush-interval", flushInterval, "0 (no linger) to 1s");
        check(initialBackoff.toMillis() > 0 && maxBackoff.compareTo(initialBackoff) >= 0, "bulk.max-backoff", maxBackoff,
                "at least bulk.initial-backoff (" + initialBackoff + "), which must be positive");
        check(retentionDays >= 0, "retention.days", retentionDays, "0 (keep forever) or more");
        check(shards >= 1, "index.shards", shards, "at least 1");
        check(replicas >= 0, "index.replicas", replicas, "0 or more");
        // Overlapping prefixes would make both index templates match one index, which clusters refuse.
        check(enrichedPrefix.endsWith("-") && failedPrefix.endsWith("-") && !enrichedPrefix.startsWith(failedPrefix)
                        && !failedPrefix.startsWith(enrichedPrefix), "index.*-prefix", enrichedPrefix + ", " + failedPrefix,
                "two prefixes ending with '-', neither starting with the other");
    }

    private static void check(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("Invalid realtime-loader." + key + " " + value + ": expected " + expected);
        }
    }

    public static LoaderSettings from(Config config) {
        Config c = config.getConfig("realtime-loader");
        Map<String, String> consumer = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : c.getConfig("consumer").entrySet()) {
            consumer.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
        }
        return new LoaderSettings(
                c.getString("group-id"),
                c.getString("topics.enriched"),
                stringList(c, "topics.failed"),
                c.getString("index.enriched-prefix"),
                c.getString("index.failed-prefix"),
                DayFrom.parse(c.getString("index.day-from")),
                c.getInt("index.shards"),
                c.getInt("index.replicas"),
                c.getDuration("index.refresh-interval"),
                DataMapping.parse(c.getString("index.data-mapping")),
                c.getInt("bulk.max-documents"),
                c.getMemorySize("bulk.max-bytes").toBytes(),
                c.getDuration("bulk.flush-interval"),
                c.getDuration("bulk.initial-backoff"),
                c.getDuration("bulk.max-backoff"),
                c.getDuration("bulk.request-timeout"),
                c.getInt("retention.days"),
                c.getDuration("retention.check-interval"),
                c.getDuration("shutdown-timeout"),
                consumer,
                c.getString("admin.host"),
                c.getInt("admin.port"),
                ClusterAccess.from(config));
    }

    /** A list, or a comma-separated string (what {@code --set key=a,b} gives). */
    private static List<String> stringList(Config c, String key) {
        if (c.getValue(key).valueType() == com.typesafe.config.ConfigValueType.STRING) {
            return java.util.Arrays.stream(c.getString(key).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toList();
        }
        return c.getStringList(key);
    }

    public List<String> topics() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(enrichedTopic), failedTopics.stream()).toList();
    }
}
