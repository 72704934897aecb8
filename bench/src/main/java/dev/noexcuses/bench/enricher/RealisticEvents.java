package dev.noexcuses.bench.enricher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.enricher.geo.DbipLiteDownload;
import dev.noexcuses.enricher.geo.GeoDatabaseFiles;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Raw events as the collector writes them for the simulator's visitors: thousands of distinct public
 * addresses and browser user agents, so the enricher's caches meet real cardinality; and the real
 * city database (DB-IP Lite, fetched once into the platform's data directory, ./data/geoip).
 */
public final class RealisticEvents {
    private RealisticEvents() {}

    /** The envelope the collector would have written for {@code generated}. */
    public static EventEnvelope envelope(WebShopSimulator.Generated generated, long sequence) {
        ObjectNode e = generated.event();
        CollectorMetadata metadata = new CollectorMetadata(Instant.now(), "bench", "r-" + sequence,
                generated.visitor().address(), generated.visitor().userAgent(), "web-shop", "rest");
        return new EventEnvelope(e.get("event_id").asText(), e.get("schema").asText(),
                Instant.parse(e.get("event_time").asText()), e.get("source").asText(), e.path("user_id").asText(null),
                e.path("anonymous_id").asText(null), e.get("data"), metadata, null);
    }

    /** The DB-IP Lite City files, downloaded on first use (with progress on stdout). */
    public static List<Path> cityDatabase() throws IOException {
        Config geoip = PlatformConfig.defaults(Map.of()).getConfig("enricher.enrichments.geoip");
        try {
            return GeoDatabaseFiles.resolve(geoip, System.out::println);
        } catch (DbipLiteDownload.UnavailableException e) {
            throw new IllegalStateException(e.getMessage() + ": the enricher benchmark needs the city database", e);
        }
    }
}
