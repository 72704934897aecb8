package dev.noexcuses.platform.verify;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.kafka.TopicReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reconciles the stages of the streaming path by {@code event_id} over a time range of the
 * collector's receive time. Each stage is read once, straight from its store.
 */
public final class Reconciler {
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

    private final Config config;
    private final int sampleSize;
    private final List<DownstreamStore> downstream;

    /**
     * @param downstream stores that hold enriched events (the search index, the lake), each
     *     checked against {@code events.enriched}
     */
    public Reconciler(Config config, int sampleSize, List<DownstreamStore> downstream) {
        this.config = requireNonNull(config, "config is null");
        this.sampleSize = sampleSize;
        this.downstream = List.copyOf(downstream);
    }

    /** A store downstream of {@code events.enriched}: answers how many times it holds each id. */
    public interface DownstreamStore {
        String name();

        /** Copies per id for the given ids (ids it lacks may be absent from the map). */
        Map<String, Integer> copies(Set<String> eventIds) throws Exception;
    }

    public List<StageCheck> reconcile(List<RunLog> runs, Instant since, Instant until) throws Exception {
        List<StageCheck> checks = new ArrayList<>();

        Map<String, Integer> rawCopies = new HashMap<>();
        Map<String, Integer> rawAnyTime = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.RAW, READ_TIMEOUT)) {
            JsonNode e = parse(r.value());
            String id = e.path("event_id").asText(null);
            if (id == null) {
                continue;
            }
            rawAnyTime.merge(id, 1, Integer::sum);
            Instant received = instant(e.path("collector").path("received_at"));
            if (received != null && !received.isBefore(since) && !received.isAfter(until)) {
                rawCopies.merge(id, 1, Integer::sum);
            }
        }
        List<Instant> collectorFailures = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.RAW_DLQ, READ_TIMEOUT)) {
            JsonNode f = parse(r.value());
            Instant failedAt = instant(f.path("failed_at"));
            if (failedAt != null && "collector".equals(f.path("component").asText())) {
                collectorFailures.add(failedAt);
            }
        }

        // 1. What the collector acknowledged to producers is in events.raw / events.raw.dlq.
        if (!runs.isEmpty()) {
            Set<String> acknowledged = new HashSet<>();
            long rejected = 0;
            long rejectedFound = 0;
            for (RunLog run : runs) {
                acknowledged.addAll(run.acceptedIds());
                rejected += run.rejected();
                Instant from = run.startedAt().minusSeconds(1);
                Instant to = run.finishedAt().plusSeconds(60);
                rejectedFound += collectorFailures.stream().filter(t -> !t.isBefore(from) && !t.isAfter(to)).count();
            }
            List<String> missing = acknowledged.stream().filter(id -> !rawAnyTime.containsKey(id)).sorted().toList();
            checks.add(new StageCheck("collector -> events.raw", "ids the collector acknowledged to "
                    + runs.size() + " producer run(s) (runs/*.json)", acknowledged.size(),
                    acknowledged.size() - missing.size(), missing.size(), 0, sample(missing), List.of(),
                    "duplicate sends of one id are expected here; the enricher removes them"));
            long rejectedMissing = Math.max(0, rejected - rejectedFound);
            checks.add(new StageCheck("collector -> events.raw.dlq", "events the collector rejected (counted: "
                    + "rejected events may have no valid id)", rejected, Math.min(rejected, rejectedFound),
                    rejectedMissing, 0, List.of(), List.of(), null));
        }

        // 2. Every distinct raw id is enriched or failed exactly once; the other raw records are duplicates.
        Map<String, Integer> enrichedCopies = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.ENRICHED, READ_TIMEOUT)) {
            String id = parse(r.value()).path("event_id").asText(null);
            if (id != null && rawCopies.containsKey(id)) {
                enrichedCopies.merge(id, 1, Integer::sum);
            }
        }
        Map<String, Integer> failedCopies = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readToEnd(config, Topics.ENRICHED_DLQ, READ_TIMEOUT)) {
            String id = parse(r.value()).path("event_id").asText(null);
            if (id != null && rawCopies.containsKey(id)) {
                failedCopies.merge(id, 1, Integer::sum);
            }
        }
        long rawRecords = rawCopies.values().stream().mapToLong(Integer::longValue).sum();
        List<String> notProcessed = rawCopies.keySet().stream()
                .filter(id -> !enrichedCopies.containsKey(id) && !failedCopies.containsKey(id)).sorted().toList();
        List<String> enrichedTwice = enrichedCopies.entrySet().stream().filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey).sorted().toList();
        long recovered = failedCopies.keySet().stream().filter(enrichedCopies::containsKey).count();
        checks.add(new StageCheck("events.raw -> enriched + failed + deduplicated",
                String.format("%,d raw records, %,d distinct ids: %,d enriched, %,d failed, %,d duplicate records removed",
                        rawRecords, rawCopies.size(), enrichedCopies.size(),
                        failedCopies.size() - recovered, rawRecords - rawCopies.size()),
                rawCopies.size(), rawCopies.size() - notProcessed.size(), notProcessed.size(), enrichedTwice.size(),
                sample(notProcessed), sample(enrichedTwice),
                recovered > 0 ? recovered + " failed event(s) were replayed and then enriched" : null));

        // 3. Every enriched id is in each downstream store exactly once.
        for (DownstreamStore store : downstream) {
            Map<String, Integer> copies = store.copies(enrichedCopies.keySet());
            List<String> missing = enrichedCopies.keySet().stream().filter(id -> copies.getOrDefault(id, 0) == 0)
                    .sorted().toList();
            List<String> twice = copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                    .sorted().toList();
            checks.add(new StageCheck("events.enriched -> " + store.name(), "enriched ids in " + store.name(),
                    enrichedCopies.size(), enrichedCopies.size() - missing.size(), missing.size(), twice.size(),
                    sample(missing), sample(twice), null));
        }
        return checks;
    }

    private List<String> sample(List<String> ids) {
        return ids.size() <= sampleSize ? ids : ids.subList(0, sampleSize);
    }

    private static JsonNode parse(byte[] value) {
        try {
            return Json.fromBytes(value, JsonNode.class);
        } catch (RuntimeException e) {
            return Json.mapper().createObjectNode();
        }
    }

    private static Instant instant(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(node.asText());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
