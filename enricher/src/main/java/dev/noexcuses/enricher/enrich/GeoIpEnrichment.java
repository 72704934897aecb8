package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The collector's {@code client_ip} as country and city, from a MaxMind-format database (GeoIP2 or
 * GeoLite2, City or Country): {@code enrichments.geo = {country_code, country, city}}. An address the
 * database does not know gets no {@code geo}; that is not a failure.
 */
public final class GeoIpEnrichment implements Enrichment, Closeable {
    private final DatabaseReader reader;
    private final boolean cityDatabase;

    private GeoIpEnrichment(DatabaseReader reader) {
        this.reader = requireNonNull(reader, "reader is null");
        this.cityDatabase = reader.getMetadata().getDatabaseType().contains("City");
    }

    /** Opens the database at {@code database}, held in memory so lookups never touch the disk. */
    public static GeoIpEnrichment open(Path database) {
        if (!Files.isRegularFile(database)) {
            throw new IllegalArgumentException("GeoIP database not found: " + database.toAbsolutePath()
                    + " (set enricher.enrichments.geoip.database, or disable the enrichment)");
        }
        try {
            File file = database.toFile();
            return new GeoIpEnrichment(new DatabaseReader.Builder(file)
                    .fileMode(com.maxmind.db.Reader.FileMode.MEMORY).build());
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
    public EventEnvelope apply(EventEnvelope event, ObjectNode enrichments) {
        String ip = event.collector() == null ? null : event.collector().clientIp();
        Optional<InetAddress> address = IpAddresses.parse(ip);
        if (address.isEmpty()) {
            return event;
        }
        try {
            ObjectNode geo = Json.mapper().createObjectNode();
            if (cityDatabase) {
                Optional<CityResponse> city = reader.tryCity(address.get());
                if (city.isEmpty()) {
                    return event;
                }
                putIfPresent(geo, "country_code", city.get().getCountry().getIsoCode());
                putIfPresent(geo, "country", city.get().getCountry().getName());
                putIfPresent(geo, "city", city.get().getCity().getName());
            } else {
                Optional<CountryResponse> country = reader.tryCountry(address.get());
                if (country.isEmpty()) {
                    return event;
                }
                putIfPresent(geo, "country_code", country.get().getCountry().getIsoCode());
                putIfPresent(geo, "country", country.get().getCountry().getName());
            }
            if (!geo.isEmpty()) {
                enrichments.set("geo", geo);
            }
            return event;
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
