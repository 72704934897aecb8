package dev.noexcuses.common.intake;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.text.AsciiDigits;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks an event's top-level fields (not {@code data}: that is the enricher's job against the
 * event's schema). Every violation is reported, each with its JSON path. The collector runs it on
 * every event it receives, and {@code replay-dlq} on every event it re-submits to the raw topic, so
 * an event refused once cannot slip past the checks on a second try.
 */
public final class TopLevelValidator {

    private final TopLevelLimits limits;

    public TopLevelValidator(TopLevelLimits limits) {
        this.limits = requireNonNull(limits, "limits is null");
    }

    public List<FailureError> validate(JsonNode event, Set<String> allowedSources, Instant now) {
        List<FailureError> errors = new ArrayList<>();
        if (event == null || !event.isObject()) {
            errors.add(new FailureError("$", "an event must be a JSON object, got " + kind(event)));
            return errors;
        }
        String eventId = requiredText(event, "event_id", errors);
        // A UUID has 36 characters; the length is checked first so a huge value is not scanned.
        if (eventId != null && !isUuid(eventId)) {
            errors.add(new FailureError("$.event_id", "must be a UUID, got '" + cut(eventId) + "'"));
        }
        String schema = requiredText(event, "schema", errors);
        if (schema != null && schema.length() > limits.maxSchemaLength()) {
            errors.add(tooLong("$.schema", schema, limits.maxSchemaLength()));
        } else if (schema != null && SchemaRef.parse(schema).isEmpty()) {
            errors.add(new FailureError("$.schema",
                    "must be vendor/name/MAJOR-MINOR-PATCH (e.g. com.webshop/page_view/1-0-0), got '" + cut(schema) + "'"));
        }
        String eventTime = requiredText(event, "event_time", errors);
        if (eventTime != null) {
            Instant time = parseInstant(eventTime);
            if (time == null) {
                errors.add(new FailureError("$.event_time",
                        "must be an ISO-8601 date-time such as 2026-01-31T12:00:00Z, got '" + cut(eventTime) + "'"));
            } else if (time.isAfter(now.plus(limits.maxFutureSkew()))) {
                errors.add(new FailureError("$.event_time",
                        "is more than " + limits.maxFutureSkew() + " in the future (" + cut(eventTime) + ")"));
            } else if (time.isBefore(now.minus(limits.maxPastAge()))) {
                errors.add(new FailureError("$.event_time", "is more than " + limits.maxPastAge().toDays()
                        + " days in the past (" + cut(eventTime) + "); the oldest accepted age is collector.max-past-age"));
            }
        }
        String source = requiredText(event, "source", errors);
        if (source != null && source.length() > limits.maxSourceLength()) {
            errors.add(tooLong("$.source", source, limits.maxSourceLength()));
        } else if (source != null && !allowedSources.contains(source)) {
            errors.add(new FailureError("$.source",
                    "'" + cut(source) + "' is not allowed for this write key (allowed: " + allowedSources + ")"));
        }
        String userId = optionalText(event, "user_id", errors);
        String anonymousId = optionalText(event, "anonymous_id", errors);
        if (userId != null && userId.length() > limits.maxIdLength()) {
            errors.add(tooLong("$.user_id", userId, limits.maxIdLength()));
        }
        if (anonymousId != null && anonymousId.length() > limits.maxIdLength()) {
            errors.add(tooLong("$.anonymous_id", anonymousId, limits.maxIdLength()));
        }
        boolean typedIds = !hasWrongType(event, "user_id") && !hasWrongType(event, "anonymous_id");
        if (typedIds && isBlank(userId) && isBlank(anonymousId)) {
            errors.add(new FailureError("$.user_id", "user_id or anonymous_id is required"));
        }
        JsonNode data = event.get("data");
        if (data == null || data.isNull()) {
            errors.add(new FailureError("$.data", "is required"));
        } else if (!data.isObject()) {
            errors.add(new FailureError("$.data", "must be an object, got " + kind(data)));
        }
        return errors;
    }

    /** 8-4-4-4-12 hex digits (checked by hand: this runs for every event). */
    static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Parses ISO-8601 with an offset or Z; null when it is not one. */
    public static Instant parseInstant(String text) {
        Instant utc = parseUtc(text);
        if (utc != null) {
            return utc;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static final int[] NANOS_PER_FRACTION_DIGIT = {0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000,
            1_000, 100, 10, 1};

    /**
     * The shape every SDK and browser sends, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, read without the
     * general ISO parser, which was half the cost of the top-level checks; null for any other shape
     * and for values of this shape that are not a date and time (the general parser then decides, and
     * refuses those as well).
     */
    private static Instant parseUtc(String t) {
        int n = t.length();
        if (n < 20 || n > 30 || n == 21 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':' || t.charAt(n - 1) != 'Z'
                || (n > 20 && t.charAt(19) != '.')) {
            return null;
        }
        int year = AsciiDigits.parse(t, 0, 4);
        int month = AsciiDigits.parse(t, 5, 7);
        int day = AsciiDigits.parse(t, 8, 10);
        int hour = AsciiDigits.parse(t, 11, 13);
        int minute = AsciiDigits.parse(t, 14, 16);
        int second = AsciiDigits.parse(t, 17, 19);
        int fraction = n > 20 ? AsciiDigits.parse(t, 20, n - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || fraction < 0) {
            return null;
        }
        try {
            long epochSecond = java.time.LocalDateTime.of(year, month, day, hour, minute, second)
                    .toEpochSecond(java.time.ZoneOffset.UTC);
            return Instant.ofEpochSecond(epochSecond, n > 20 ? (long) fraction * NANOS_PER_FRACTION_DIGIT[n - 21] : 0);
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    private static String requiredText(JsonNode event, String field, List<FailureError> errors) {
        JsonNode v = event.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            errors.add(new FailureError("$." + field, "is required"));
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FailureError("$." + field, "must be a string, got " + kind(v)));
            return null;
        }
        return v.asText();
    }

    private static String optionalText(JsonNode event, String field, List<FailureError> errors) {
        JsonNode v = event.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            errors.add(new FailureError("$." + field, "must be a string, got " + kind(v)));
            return null;
        }
        return v.asText();
    }

    private static boolean hasWrongType(JsonNode event, String field) {
        JsonNode v = event.get(field);
        return v != null && !v.isNull() && !v.isTextual();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isNull()) {
            return "null";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case STRING -> "a string";
            default -> node.getNodeType().name().toLowerCase();
        };
    }

    private static FailureError tooLong(String path, String value, int limit) {
        return new FailureError(path, "is " + value.length() + " characters long, more than the limit of " + limit
                + " ('" + cut(value) + "')");
    }

    private static String cut(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
