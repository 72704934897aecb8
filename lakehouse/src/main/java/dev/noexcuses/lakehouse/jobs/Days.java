package dev.noexcuses.lakehouse.jobs;

import java.time.LocalDate;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** Day lists as SQL literals; days are UTC dates of {@code event_time}. */
final class Days {
    private Days() {}

    static String literals(Collection<LocalDate> days) {
        if (days.isEmpty()) {
            throw new IllegalArgumentException("Invalid days: empty, expected at least one day");
        }
        return days.stream().sorted().map(d -> "DATE '" + d + "'").collect(Collectors.joining(", "));
    }

    /** A timestamp range covering every day, for file pruning on min/max statistics. */
    static String eventTimeBetween(String column, List<LocalDate> days) {
        LocalDate first = days.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = days.stream().max(LocalDate::compareTo).orElseThrow();
        return column + " >= TIMESTAMP '" + first + " 00:00:00' AND " + column + " < TIMESTAMP '" + last.plusDays(1)
                + " 00:00:00' AND to_date(" + column + ") IN (" + literals(days) + ")";
    }
}
