package dev.noexcuses.enricher.geo;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Where an address is, as far as the database knows: always a country, the rest when known.
 * Coordinates come as a pair or not at all.
 */
public record GeoLocation(String countryCode, Optional<String> country, Optional<String> region,
                          Optional<String> city, Optional<Coordinates> coordinates) {
    public GeoLocation {
        requireNonNull(countryCode, "countryCode is null");
        requireNonNull(country, "country is null");
        requireNonNull(region, "region is null");
        requireNonNull(city, "city is null");
        requireNonNull(coordinates, "coordinates is null");
    }

    /** Latitude and longitude in degrees (WGS 84). */
    public record Coordinates(double latitude, double longitude) {
        public Coordinates {
            if (latitude < -90 || latitude > 90 || longitude < -180 || longitude > 180) {
                throw new IllegalArgumentException("Invalid coordinates: " + latitude + ", " + longitude
                        + " (expected latitude -90..90, longitude -180..180)");
            }
        }
    }
}
