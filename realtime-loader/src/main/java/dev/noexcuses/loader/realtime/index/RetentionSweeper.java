package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.loader.realtime.document.DailyIndex;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the daily indices older than the retention. Done by the loader itself rather than by an
 * index-lifecycle plugin, so the same retention works on the embedded server (which ships without the
 * index-management plugin), any OpenSearch, and Elasticsearch.
 */
public final class RetentionSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionSweeper.class);

    private final ClusterCalls calls;
    private final List<String> prefixes;
    private final int retentionDays;
    private final Clock clock;

    public RetentionSweeper(OpenSearchClient client, List<String> prefixes, int retentionDays, Clock clock) {
        this.calls = new ClusterCalls(client);
        this.prefixes = List.copyOf(prefixes);
        this.retentionDays = retentionDays;
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Deletes every daily index whose day is more than the retention before today (UTC); returns their names. */
    public List<String> sweep() throws IOException {
        if (retentionDays <= 0) {
            return List.of();
        }
        LocalDate oldestKept = LocalDate.now(clock.withZone(ZoneOffset.UTC)).minusDays(retentionDays - 1L);
        List<String> expired = new ArrayList<>();
        for (String prefix : prefixes) {
            JsonNode indices = calls.call("GET", "/_cat/indices/" + prefix + "*?format=json&h=index", null);
            for (JsonNode row : indices) {
                String name = row.path("index").asText();
                Optional<LocalDate> day = DailyIndex.dayOf(prefix, name);
                if (day.isPresent() && day.get().isBefore(oldestKept)) {
                    expired.add(name);
                }
            }
        }
        if (!expired.isEmpty()) {
            calls.call("DELETE", "/" + String.join(",", expired), null);
            LOG.info("Deleted {} daily indices older than {} days: {}", expired.size(), retentionDays, expired);
        }
        return List.copyOf(expired);
    }
}
