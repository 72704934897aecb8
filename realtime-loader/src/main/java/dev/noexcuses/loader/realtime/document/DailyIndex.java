package dev.noexcuses.loader.realtime.document;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Names of the daily indices: {@code <prefix>YYYY.MM.DD}, the day in UTC. */
public final class DailyIndex {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    private DailyIndex() {}

    public static String name(String prefix, Instant time) {
        return prefix + DAY.format(time);
    }

    /** The day of an index named {@code <prefix>YYYY.MM.DD}; empty for any other name. */
    public static Optional<LocalDate> dayOf(String prefix, String index) {
        if (!index.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(index.substring(prefix.length()), DateTimeFormatter.ofPattern("yyyy.MM.dd")));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
