package dev.noexcuses.enricher.enrich;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.useragent.FilteredUaParser;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.Optional;
import ua_parser.Client;

/**
 * The collector's {@code user_agent} header as browser, OS and device family (ua-parser's shared regexes,
 * through {@link FilteredUaParser}): {@code enrichments.user_agent = {browser, browser_version, os, os_version,
 * device}}. Parsed results are cached: real traffic repeats a small set of user agents, and a parse (the
 * cache's miss) costs a few hundred microseconds. The cache's hits and misses are metrics
 * ({@code cache_gets_total{cache="user-agent"}}), to size it by.
 */
public final class UserAgentEnrichment implements Enrichment, MeterBinder {
    private final FilteredUaParser parser = FilteredUaParser.load();
    private final Cache<String, ObjectNode> parsed;

    public UserAgentEnrichment(int cacheSize) {
        this.parsed = Caffeine.newBuilder().maximumSize(cacheSize).recordStats().build();
    }

    @Override
    public String name() {
        return "user-agent";
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        CaffeineCacheMetrics.monitor(meters, parsed, name());
    }

    @Override
    public void apply(Event event) {
        Optional<String> userAgent = event.collector("user_agent");
        if (userAgent.isEmpty() || userAgent.get().isBlank()) {
            return;
        }
        // Shared, never modified: serialised as it is into every event with this user agent.
        event.enrichments().set("user_agent", parsed.get(userAgent.get(), this::parse));
    }

    private ObjectNode parse(String userAgent) {
        Client client = parser.parse(userAgent);
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("browser", client.userAgent.family);
        putIfPresent(node, "browser_version", version(client.userAgent.major, client.userAgent.minor));
        node.put("os", client.os.family);
        putIfPresent(node, "os_version", version(client.os.major, client.os.minor));
        node.put("device", client.device.family);
        return node;
    }

    private static String version(String major, String minor) {
        if (major == null || major.isEmpty()) {
            return null;
        }
        return minor == null || minor.isEmpty() ? major : major + "." + minor;
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }
}
