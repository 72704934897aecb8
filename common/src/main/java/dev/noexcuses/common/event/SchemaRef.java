package dev.noexcuses.common.event;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which JSON Schema, and which version of it, an event's {@code data} must match:
 * {@code vendor/name/MAJOR-MINOR-PATCH}, for example {@code com.webshop/page_view/1-0-0}.
 */
public record SchemaRef(String vendor, String name, int major, int minor, int patch) {
    private static final Pattern FORMAT =
            Pattern.compile("^([a-zA-Z0-9][a-zA-Z0-9._-]*)/([a-zA-Z0-9][a-zA-Z0-9_-]*)/(\\d+)-(\\d+)-(\\d+)$");

    public SchemaRef {
        requireNonNull(vendor, "vendor is null");
        requireNonNull(name, "name is null");
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("Invalid schema version: " + major + "-" + minor + "-" + patch);
        }
    }

    /** Parses {@code vendor/name/MAJOR-MINOR-PATCH}; empty when the text does not have that shape. */
    public static Optional<SchemaRef> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SchemaRef(m.group(1), m.group(2),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public String version() {
        return major + "-" + minor + "-" + patch;
    }

    @Override
    public String toString() {
        return vendor + "/" + name + "/" + version();
    }
}
