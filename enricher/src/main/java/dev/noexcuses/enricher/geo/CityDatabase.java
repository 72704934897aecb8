package dev.noexcuses.enricher.geo;

import static java.util.Objects.requireNonNull;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Reader;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A city database in the MaxMind DB format, one file or one per address family: MaxMind's GeoIP2 and
 * GeoLite2 City (nested records: {@code country.iso_code}, {@code subdivisions}, {@code city.names},
 * {@code location}) or DB-IP's City Lite as published by ip-location-db (flat records:
 * {@code country_code, state1, city, latitude, longitude}). Both layouts are read by the same code,
 * record by record. Files are memory-mapped: the operating system keeps the hot pages, not the heap.
 */
public final class CityDatabase implements Closeable {
    private static final int DECODER_CACHE_ENTRIES = 65_536;

    private final List<Reader> ipv4;
    private final List<Reader> ipv6;
    private final List<Reader> all;
    private final String description;

    private CityDatabase(List<Reader> readers, String description) {
        this.all = List.copyOf(readers);
        // An IPv6 database also answers IPv4 addresses (mapped into ::ffff:0:0/96); an IPv4 one answers
        // IPv6 addresses wrongly, so each address goes to a file of its family first.
        this.ipv4 = all.stream().sorted((a, b) -> Integer.compare(a.getMetadata().getIpVersion(),
                b.getMetadata().getIpVersion())).toList();
        this.ipv6 = all.stream().filter(r -> r.getMetadata().getIpVersion() == 6).toList();
        this.description = description;
    }

    /** Opens {@code files} (one per address family, or one for both). */
    public static CityDatabase open(List<Path> files) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No GeoIP database file given");
        }
        List<Reader> readers = new ArrayList<>();
        try {
            for (Path file : files) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("GeoIP database not found: " + file.toAbsolutePath()
                            + " (set enricher.enrichments.geoip.database to a City .mmdb file, or disable the enrichment)");
                }
                try {
                    readers.add(new Reader(file.toFile(), Reader.FileMode.MEMORY_MAPPED,
                            new CHMCache(DECODER_CACHE_ENTRIES)));
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot open the GeoIP database " + file.toAbsolutePath()
                            + " (expected a MaxMind DB .mmdb file): " + e.getMessage(), e);
                }
            }
        } catch (RuntimeException e) {
            readers.forEach(CityDatabase::closeQuietly);
            throw e;
        }
        StringBuilder description = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            var m = readers.get(i).getMetadata();
            description.append(i == 0 ? "" : ", ").append(files.get(i).getFileName()).append(" (")
                    .append(m.getDatabaseType()).append(", IPv").append(m.getIpVersion()).append(", built ")
                    .append(m.getBuildDate().toInstant().toString(), 0, 10).append(')');
        }
        return new CityDatabase(readers, description.toString());
    }

    /** Where {@code address} is; empty when no file knows it or it has no country. */
    public Optional<GeoLocation> locate(InetAddress address) throws IOException {
        for (Reader reader : address instanceof Inet4Address ? ipv4 : ipv6) {
            @SuppressWarnings("unchecked")
            Map<String, Object> record = reader.get(address, Map.class);
            if (record != null) {
                return record.get("country_code") instanceof String ? flat(record) : nested(record);
            }
        }
        return Optional.empty();
    }

    /** DB-IP City Lite (ip-location-db): {@code country_code, state1, state2, city, postcode, latitude, longitude}. */
    private static Optional<GeoLocation> flat(Map<String, Object> r) {
        Optional<String> code = text(r.get("country_code"));
        return code.map(c -> new GeoLocation(c, countryName(c), text(r.get("state1")), text(r.get("city")),
                coordinates(r.get("latitude"), r.get("longitude"))));
    }

    /** MaxMind GeoIP2/GeoLite2 City (and Country, which has no city, subdivisions or location). */
    private static Optional<GeoLocation> nested(Map<String, Object> r) {
        Map<String, Object> country = map(r.get("country")).or(() -> map(r.get("registered_country"))).orElse(Map.of());
        Optional<String> code = text(country.get("iso_code"));
        if (code.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> region = r.get("subdivisions") instanceof List<?> subdivisions && !subdivisions.isEmpty()
                ? map(subdivisions.get(0)).flatMap(CityDatabase::englishName) : Optional.empty();
        Map<String, Object> location = map(r.get("location")).orElse(Map.of());
        return Optional.of(new GeoLocation(code.get(), englishName(country).or(() -> countryName(code.get())), region,
                map(r.get("city")).flatMap(CityDatabase::englishName),
                coordinates(location.get("latitude"), location.get("longitude"))));
    }

    private static Optional<String> englishName(Map<String, Object> named) {
        return map(named.get("names")).flatMap(names -> text(names.get("en")));
    }

    /** The English short name of an ISO 3166-1 alpha-2 code, as the JDK knows it. */
    private static Optional<String> countryName(String code) {
        String name = new Locale("", code).getDisplayCountry(Locale.ENGLISH);
        return name.isEmpty() || name.equals(code) ? Optional.empty() : Optional.of(name);
    }

    private static Optional<GeoLocation.Coordinates> coordinates(Object latitude, Object longitude) {
        if (!(latitude instanceof Number lat) || !(longitude instanceof Number lon)) {
            return Optional.empty();
        }
        double la = degrees(lat);
        double lo = degrees(lon);
        if (la == 0 && lo == 0 || Math.abs(la) > 90 || Math.abs(lo) > 180) {
            // 0,0 is what some databases write for "unknown"; it is in the Gulf of Guinea.
            return Optional.empty();
        }
        return Optional.of(new GeoLocation.Coordinates(la, lo));
    }

    /** A float's shortest decimal form (51.5143, not 51.514301300048828): DB-IP stores single precision. */
    private static double degrees(Number n) {
        return n instanceof Float f ? Double.parseDouble(Float.toString(f)) : n.doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> map(Object value) {
        return value instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }

    private static Optional<String> text(Object value) {
        return value instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    /** The files, their type, address family and build date, for the log. */
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        all.forEach(CityDatabase::closeQuietly);
    }

    private static void closeQuietly(Reader reader) {
        try {
            reader.close();
        } catch (IOException ignored) {
            // Nothing is written; closing only unmaps.
        }
    }
}
