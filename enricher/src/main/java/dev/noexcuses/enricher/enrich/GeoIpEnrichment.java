package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.geo.CityDatabase;
import dev.noexcuses.enricher.geo.GeoLocation;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The collector's {@code client_ip} as a place, from a city database ({@link CityDatabase}):
 * {@code enrichments.geo = {country_code, country, region, city, location: {lat, lon}}}, each part
 * present when the database knows it. An address the database does not know (private, reserved, new)
 * gets no {@code geo}; that is not a failure. Answers are cached per address, since a user's events
 * come from the same address; the cache's hits and misses are metrics ({@code cache_gets_total{cache="geoip"}}).
 */
public final class GeoIpEnrichment implements Enrichment, Closeable, MeterBinder {
    private final CityDatabase database;
    /** Address to its geo node, or MissingNode when the database does not know it. */
    private final Cache<String, JsonNode> answers;

    public GeoIpEnrichment(CityDatabase database, int cacheSize) {
        this.database = requireNonNull(database, "database is null");
        this.answers = Caffeine.newBuilder().maximumSize(cacheSize).recordStats().build();
    }

    /** Opens the database {@code files} (one per address family, or one for both). */
    public static GeoIpEnrichment open(List<Path> files, int cacheSize) {
        return new GeoIpEnrichment(CityDatabase.open(files), cacheSize);
    }

    @Override
    public String name() {
        return "geoip";
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        CaffeineCacheMetrics.monitor(meters, answers, name());
    }

    @Override
    public void apply(Event event) {
        Optional<String> ip = event.collector("client_ip");
        if (ip.isEmpty()) {
            return;
        }
        JsonNode geo = answers.get(ip.get(), this::lookup);
        if (!geo.isMissingNode()) {
            // Shared, never modified: serialised as it is into every event from this address.
            event.enrichments().set("geo", geo);
        }
    }

    private JsonNode lookup(String ip) {
        Optional<InetAddress> address = IpAddresses.parse(ip);
        if (address.isEmpty()) {
            return MissingNode.getInstance();
        }
        Optional<GeoLocation> found;
        try {
            found = database.locate(address.get());
        } catch (IOException | RuntimeException e) {
            throw new EnrichmentException(name(), "GeoIP lookup of " + ip + " failed: " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            return MissingNode.getInstance();
        }
        GeoLocation place = found.get();
        ObjectNode geo = Json.mapper().createObjectNode();
        geo.put("country_code", place.countryCode());
        place.country().ifPresent(v -> geo.put("country", v));
        place.region().ifPresent(v -> geo.put("region", v));
        place.city().ifPresent(v -> geo.put("city", v));
        // The object form of an OpenSearch/Elasticsearch geo_point.
        place.coordinates().ifPresent(c -> geo.putObject("location").put("lat", c.latitude()).put("lon", c.longitude()));
        return geo;
    }

    /** The database's files and build dates, for the log. */
    public String describe() {
        return database.describe();
    }

    @Override
    public void close() {
        database.close();
    }
}
