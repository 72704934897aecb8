package dev.noexcuses.alerting.search;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.rule.Observation;
import dev.noexcuses.common.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a rule at an instant with aggregations over the realtime loader's indices: enriched events
 * by {@code collector.received_at} (the collector's clock), failed-event records by {@code failed_at}.
 * Each window is {@code [now - window, now)}, so the answer depends only on the data and {@code now}.
 */
public final class RuleQueries {
    /** Distinct schemas looked at per evaluation of a schema-violation rule (the most recent ones). */
    private static final int SCHEMAS_SAMPLED = 500;
    private static final int MAX_GROUPS = 1000;

    private final SearchCluster cluster;
    private final String enrichedIndices;
    private final String failedIndices;

    public RuleQueries(SearchCluster cluster, String enrichedIndices, String failedIndices) {
        this.cluster = requireNonNull(cluster, "cluster is null");
        this.enrichedIndices = requireNonNull(enrichedIndices, "enrichedIndices is null");
        this.failedIndices = requireNonNull(failedIndices, "failedIndices is null");
    }

    public List<Observation> observe(AlertRule rule, Instant now) {
        return switch (rule.kind()) {
            case DLQ_SHARE -> dlqShare(rule, now);
            case VOLUME_DROP -> volumeDrop(rule, now);
            case SILENT_SOURCE -> silentSources(rule, now);
            case SCHEMA_VIOLATION_SPIKE -> schemaViolations(rule, now);
            case SEARCHABLE_LATENCY -> searchableLatency(rule, now);
        };
    }

    /** Failed records per failure type against all events (enriched + failed) of the window. */
    private List<Observation> dlqShare(AlertRule rule, Instant now) {
        Instant from = now.minus(rule.window());
        ObjectNode body = sizeZero(range("failed_at", from, now));
        body.putObject("aggs").putObject("types").putObject("terms").put("field", "failure_type").put("size", 50);
        JsonNode failed = cluster.search(failedIndices, body);
        long failedTotal = failed.path("hits").path("total").path("value").asLong();
        long enriched = cluster.count(enrichedIndices, range("collector.received_at", from, now));
        long all = enriched + failedTotal;
        List<Observation> out = new ArrayList<>();
        for (JsonNode bucket : failed.path("aggregations").path("types").path("buckets")) {
            String type = bucket.path("key").asText();
            long n = bucket.path("doc_count").asLong();
            double share = all == 0 ? 0 : (double) n / all;
            boolean breaching = all >= rule.minEvents() && share > rule.threshold();
            out.add(new Observation(type, share, breaching, String.format(Locale.ROOT,
                    "%d of %d events in the last %s failed with %s (%.1f%%, limit %.1f%%)", n, all, human(rule.window()),
                    type, share * 100, rule.threshold() * 100)));
        }
        return out;
    }

    /** Events per source in the last window against the same window on each of the trailing days. */
    private List<Observation> volumeDrop(AlertRule rule, Instant now) {
        Instant earliest = now.minus(Duration.ofDays(rule.days())).minus(rule.window());
        ObjectNode body = sizeZero(range("collector.received_at", earliest, now));
        ObjectNode sources = body.putObject("aggs").putObject("sources");
        sources.putObject("terms").put("field", "source").put("size", MAX_GROUPS);
        ObjectNode filters = sources.putObject("aggs").putObject("days").putObject("filters").putObject("filters");
        for (int day = 0; day <= rule.days(); day++) {
            Instant to = now.minus(Duration.ofDays(day));
            filters.set("d" + day, range("collector.received_at", to.minus(rule.window()), to));
        }
        List<Observation> out = new ArrayList<>();
        for (JsonNode bucket : cluster.search(enrichedIndices, body).path("aggregations").path("sources").path("buckets")) {
            String source = bucket.path("key").asText();
            JsonNode days = bucket.path("days").path("buckets");
            long current = days.path("d0").path("doc_count").asLong();
            long past = 0;
            for (int day = 1; day <= rule.days(); day++) {
                past += days.path("d" + day).path("doc_count").asLong();
            }
            double baseline = (double) past / rule.days();
            double ratio = baseline == 0 ? 1 : current / baseline;
            boolean breaching = baseline >= rule.minEvents() && current < (1 - rule.threshold()) * baseline;
            out.add(new Observation(source, ratio, breaching, String.format(Locale.ROOT,
                    "%s sent %d events in the last %s, %.0f%% of the %.0f it sent on average at this time on the %d "
                            + "previous days", source, current, human(rule.window()), ratio * 100, baseline, rule.days())));
        }
        return out;
    }

    /** Sources seen in the lookback, with how long each has been quiet. */
    private List<Observation> silentSources(AlertRule rule, Instant now) {
        ObjectNode body = sizeZero(range("collector.received_at", now.minus(rule.lookback()), now));
        ObjectNode sources = body.putObject("aggs").putObject("sources");
        sources.putObject("terms").put("field", "source").put("size", MAX_GROUPS);
        sources.putObject("aggs").putObject("last").putObject("max").put("field", "collector.received_at");
        List<Observation> out = new ArrayList<>();
        for (JsonNode bucket : cluster.search(enrichedIndices, body).path("aggregations").path("sources").path("buckets")) {
            String source = bucket.path("key").asText();
            Instant last = Instant.ofEpochMilli(bucket.path("last").path("value").asLong());
            Duration quiet = Duration.between(last, now);
            boolean breaching = quiet.compareTo(rule.window()) >= 0;
            out.add(new Observation(source, quiet.toSeconds() / 60.0, breaching, String.format(Locale.ROOT,
                    "%s sent its last event %s ago (at %s; limit %s)", source, human(quiet), last, human(rule.window()))));
        }
        return out;
    }

    /**
     * Schema violations per schema: the schemas come from the most recent violations (the schema is in
     * the record's free-form context, which can be filtered on but not aggregated), then each one's
     * violations are counted exactly, against its valid events.
     */
    private List<Observation> schemaViolations(AlertRule rule, Instant now) {
        Instant from = now.minus(rule.window());
        ObjectNode violations = Json.mapper().createObjectNode();
        ArrayNode filter = violations.putObject("bool").putArray("filter");
        filter.add(range("failed_at", from, now));
        filter.addObject().putObject("term").put("failure_type", "schema_violation");
        ObjectNode sample = Json.mapper().createObjectNode();
        sample.put("size", SCHEMAS_SAMPLED);
        sample.set("query", violations);
        sample.putArray("_source").add("context.schema");
        sample.putArray("sort").addObject().put("failed_at", "desc");
        Set<String> schemas = new LinkedHashSet<>();
        for (JsonNode hit : cluster.search(failedIndices, sample).path("hits").path("hits")) {
            String schema = hit.path("_source").path("context").path("schema").asText("");
            if (!schema.isEmpty()) {
                schemas.add(schema);
            }
        }
        if (schemas.isEmpty()) {
            return List.of();
        }
        ObjectNode counts = sizeZero(violations);
        ObjectNode perSchema = counts.putObject("aggs").putObject("schemas").putObject("filters").putObject("filters");
        List<String> keys = new ArrayList<>(schemas);
        for (int i = 0; i < keys.size(); i++) {
            perSchema.putObject("s" + i).putObject("term").put("context.schema", keys.get(i));
        }
        JsonNode failedBuckets = cluster.search(failedIndices, counts).path("aggregations").path("schemas").path("buckets");
        ObjectNode valid = sizeZero(range("collector.received_at", from, now));
        ObjectNode terms = valid.putObject("aggs").putObject("schemas").putObject("terms");
        terms.put("field", "schema").put("size", keys.size());
        ArrayNode include = terms.putArray("include");
        keys.forEach(include::add);
        Map<String, Long> validCounts = new LinkedHashMap<>();
        for (JsonNode bucket : cluster.search(enrichedIndices, valid).path("aggregations").path("schemas").path("buckets")) {
            validCounts.put(bucket.path("key").asText(), bucket.path("doc_count").asLong());
        }
        List<Observation> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String schema = keys.get(i);
            long bad = failedBuckets.path("s" + i).path("doc_count").asLong();
            long good = validCounts.getOrDefault(schema, 0L);
            double share = bad + good == 0 ? 0 : (double) bad / (bad + good);
            boolean breaching = bad >= rule.minEvents() && share > rule.threshold();
            out.add(new Observation(schema, share, breaching, String.format(Locale.ROOT,
                    "%d of %d events of %s in the last %s violated the schema (%.1f%%, limit %.1f%%)", bad, bad + good,
                    schema, human(rule.window()), share * 100, rule.threshold() * 100)));
        }
        return out;
    }

    /** The p99 of {@code loader.latency_ms} (collector receive to bulk request) over the window. */
    private List<Observation> searchableLatency(AlertRule rule, Instant now) {
        ObjectNode body = sizeZero(range("collector.received_at", now.minus(rule.window()), now));
        ObjectNode aggs = body.putObject("aggs");
        aggs.putObject("latency").putObject("percentiles").put("field", "loader.latency_ms").putArray("percents").add(99);
        aggs.putObject("measured").putObject("value_count").put("field", "loader.latency_ms");
        JsonNode result = cluster.search(enrichedIndices, body).path("aggregations");
        long measured = result.path("measured").path("value").asLong();
        JsonNode values = result.path("latency").path("values");
        Iterator<JsonNode> p99 = values.elements();
        if (measured == 0 || !p99.hasNext()) {
            return List.of();
        }
        JsonNode value = p99.next();
        if (!value.isNumber()) {
            return List.of();
        }
        double seconds = value.asDouble() / 1000.0;
        boolean breaching = measured >= rule.minEvents() && seconds > rule.threshold();
        return List.of(new Observation(Observation.ALL, seconds, breaching, String.format(Locale.ROOT,
                "p99 collector-to-indexed latency of %d events in the last %s: %.2f s (limit %.2f s)", measured,
                human(rule.window()), seconds, rule.threshold())));
    }

    private static ObjectNode sizeZero(JsonNode query) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", 0);
        body.put("track_total_hits", true);
        body.set("query", query);
        return body;
    }

    private static ObjectNode range(String field, Instant from, Instant to) {
        ObjectNode query = Json.mapper().createObjectNode();
        query.putObject("range").putObject(field).put("gte", from.toEpochMilli()).put("lt", to.toEpochMilli())
                .put("format", "epoch_millis");
        return query;
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600 && s % 3600 == 0) {
            return d.toHours() + " h";
        }
        if (s >= 60) {
            return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
        }
        return s + " s";
    }
}
