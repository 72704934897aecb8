package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.maxmind.db.CHMCache;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import dev.noexcuses.common.json.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The collector's {@code client_ip} as country and city, from a MaxMind-format database (GeoIP2 or
 * GeoLite2, City or Country): {@code enrichments.geo = {country_code, country, city}}. An address the
 * database does not know gets no {@code geo}; that is not a failure. Answers are cached per address,
 * since a user's events come from the same address.
 */
public final class GeoIpEnrichment implements Enrichment, Closeable {
    private static final int DECODER_CACHE_ENTRIES = 65_536;

    private final DatabaseReader reader;
    private final boolean cityDatabase;
    /** Address to its geo node, or MissingNode when the database does not know it. */
    private final Cache<String, JsonNode> answers;

    private GeoIpEnrichment(DatabaseReader reader, int cacheSize) {
        this.reader = requireNonNull(reader, "reader is null");
        this.cityDatabase = reader.getMetadata().getDatabaseType().contains("City");
        this.answers = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** Opens the database at {@code database}, held in memory so lookups never touch the disk. */
    public static GeoIpEnrichment open(Path database, int cacheSize) {
        if (!Files.isRegularFile(database)) {
            throw new IllegalArgumentException("GeoIP database not found: " + database.toAbsolutePath()
                    + " (set enricher.enrichments.geoip.database, or disable the enrichment)");
        }
        try {
            return new GeoIpEnrichment(new DatabaseReader.Builder(database.toFile())
                    .fileMode(com.maxmind.db.Reader.FileMode.MEMORY)
                    .withCache(new CHMCache(DECODER_CACHE_ENTRIES))
                    .build(), cacheSize);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the GeoIP database " + database.toAbsolutePath()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "geoip";
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
        try {
            ObjectNode geo = Json.mapper().createObjectNode();
            if (cityDatabase) {
                Optional<CityResponse> city = reader.tryCity(address.get());
                if (city.isEmpty()) {
                    return MissingNode.getInstance();
                }
                putIfPresent(geo, "country_code", city.get().getCountry().getIsoCode());
                putIfPresent(geo, "country", city.get().getCountry().getName());
                putIfPresent(geo, "city", city.get().getCity().getName());
            } else {
                Optional<CountryResponse> country = reader.tryCountry(address.get());
                if (country.isEmpty()) {
                    return MissingNode.getInstance();
                }
                putIfPresent(geo, "country_code", country.get().getCountry().getIsoCode());
                putIfPresent(geo, "country", country.get().getCountry().getName());
            }
            return geo.isEmpty() ? MissingNode.getInstance() : geo;
        } catch (IOException | GeoIp2Exception e) {
            throw new EnrichmentException(name(), "GeoIP lookup of " + ip + " failed: " + e.getMessage(), e);
        }
    }

    private static void putIfPresent(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
