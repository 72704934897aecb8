package dev.noexcuses.platform.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.kafka.TopicReader;
import java.time.Duration;
import java.time.Instant;
import dev.noexcuses.platform.verify.Reconciler;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * How many of one run's events each stage holds, read from the topics themselves.
 *
 * @param rawRecords records in events.raw with one of the run's accepted ids (duplicate sends included)
 * @param rawDistinct distinct event ids among them
 * @param rawDlq failed-event records the collector wrote during the run
 * @param enriched records in events.enriched of the run
 * @param enrichedFailedByType failed records in events.enriched.dlq of the run, by failure type
 * @param downstream per store after events.enriched (search index, lake table): the run's enriched
 *     events it holds
 */
public record StageCounts(long rawRecords, long rawDistinct, long rawDlq, long enriched,
                          Map<String, Long> enrichedFailedByType, Map<String, Long> downstream) {

    public long enrichedFailed() {
        return enrichedFailedByType.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Raw records that are neither enriched nor failed: removed as duplicates (or still in flight). */
    public long deduplicatedOrPending() {
        return rawRecords - enriched - enrichedFailed();
    }

    public static StageCounts read(Config config, Set<String> acceptedIds, Instant runStart,
                                   List<Reconciler.DownstreamStore> stores) {
        Duration timeout = Duration.ofSeconds(30);
        long raw = 0;
        Set<String> distinct = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.RAW, timeout)) {
            String id = eventId(r);
            if (id != null && acceptedIds.contains(id)) {
                raw++;
                distinct.add(id);
            }
        }
        long rawDlq = 0;
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.RAW_DLQ, timeout)) {
            JsonNode f = Json.fromBytes(r.value(), JsonNode.class);
            Instant failedAt = Instant.parse(f.path("failed_at").asText(Instant.EPOCH.toString()));
            if (!failedAt.isBefore(runStart)) {
                rawDlq++;
            }
        }
        long enriched = 0;
        Set<String> enrichedIds = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.ENRICHED, timeout)) {
            String id = eventId(r);
            if (id != null && acceptedIds.contains(id)) {
                enriched++;
                enrichedIds.add(id);
            }
        }
        Map<String, Long> failedByType = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.ENRICHED_DLQ, timeout)) {
            JsonNode f = Json.fromBytes(r.value(), JsonNode.class);
            String id = f.path("event_id").asText(null);
            if (id != null && acceptedIds.contains(id)) {
                failedByType.merge(f.path("failure_type").asText("unknown"), 1L, Long::sum);
            }
        }
        Map<String, Long> downstream = new LinkedHashMap<>();
        for (Reconciler.DownstreamStore store : stores) {
            try {
                downstream.put(store.name(), store.copies(enrichedIds).values().stream().mapToLong(Integer::longValue)
                        .sum());
            } catch (Exception e) {
                downstream.put(store.name(), -1L);
            }
        }
        return new StageCounts(raw, distinct.size(), rawDlq, enriched, failedByType, downstream);
    }

    private static String eventId(ConsumerRecord<String, byte[]> record) {
        try {
            return Json.fromBytes(record.value(), JsonNode.class).path("event_id").asText(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
