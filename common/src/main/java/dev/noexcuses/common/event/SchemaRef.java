package dev.noexcuses.common.event;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.text.AsciiDigits;
import java.util.Optional;

/**
 * Which JSON Schema, and which version of it, an event's {@code data} must match:
 * {@code vendor/name/MAJOR-MINOR-PATCH}, for example {@code com.webshop/page_view/1-0-0}.
 */
public record SchemaRef(String vendor, String name, int major, int minor, int patch) {
    public SchemaRef {
        requireNonNull(vendor, "vendor is null");
        requireNonNull(name, "name is null");
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("Invalid schema version: " + major + "-" + minor + "-" + patch);
        }
    }

    /**
     * Parses {@code vendor/name/MAJOR-MINOR-PATCH}; empty when the text does not have that shape. The
     * vendor and the name start with an ASCII letter or digit and go on with those and {@code _ -}
     * (the vendor also {@code .}); each version part is ASCII digits within an int. Read by hand
     * rather than with a regular expression: the collector checks every event's schema with it.
     */
    public static Optional<SchemaRef> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int firstSlash = text.indexOf('/');
        int secondSlash = firstSlash < 0 ? -1 : text.indexOf('/', firstSlash + 1);
        if (secondSlash < 0 || text.indexOf('/', secondSlash + 1) >= 0
                || !isName(text, 0, firstSlash, true) || !isName(text, firstSlash + 1, secondSlash, false)) {
            return Optional.empty();
        }
        int firstDash = text.indexOf('-', secondSlash + 1);
        int secondDash = firstDash < 0 ? -1 : text.indexOf('-', firstDash + 1);
        if (secondDash < 0) {
            return Optional.empty();
        }
        int major = AsciiDigits.parse(text, secondSlash + 1, firstDash);
        int minor = AsciiDigits.parse(text, firstDash + 1, secondDash);
        int patch = AsciiDigits.parse(text, secondDash + 1, text.length());
        if (major < 0 || minor < 0 || patch < 0) {
            return Optional.empty();
        }
        return Optional.of(new SchemaRef(text.substring(0, firstSlash), text.substring(firstSlash + 1, secondSlash),
                major, minor, patch));
    }

    private static boolean isName(String text, int from, int to, boolean dots) {
        if (from >= to || !isAsciiLetterOrDigit(text.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = text.charAt(i);
            if (!isAsciiLetterOrDigit(c) && c != '_' && c != '-' && !(dots && c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    public String version() {
        return major + "-" + minor + "-" + patch;
    }

    @Override
    public String toString() {
        return vendor + "/" + name + "/" + version();
    }
}
