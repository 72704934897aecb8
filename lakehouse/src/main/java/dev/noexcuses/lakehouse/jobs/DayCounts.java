package dev.noexcuses.lakehouse.jobs;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Rows read and written per day by one job run, and per-day notes (a quality verdict). */
public record DayCounts(Map<LocalDate, Long> rowsIn, Map<LocalDate, Long> rowsOut, Map<LocalDate, String> notes,
                        java.util.Set<LocalDate> failedDays) {
    public DayCounts(Map<LocalDate, Long> rowsIn, Map<LocalDate, Long> rowsOut, Map<LocalDate, String> notes) {
        this(rowsIn, rowsOut, notes, java.util.Set.of());
    }

    public DayCounts {
        failedDays = java.util.Set.copyOf(failedDays);
        rowsIn = Map.copyOf(rowsIn);
        rowsOut = Map.copyOf(rowsOut);
        notes = Map.copyOf(notes);
    }

    public long in(LocalDate day) {
        return rowsIn.getOrDefault(day, 0L);
    }

    public long out(LocalDate day) {
        return rowsOut.getOrDefault(day, 0L);
    }

    /** Reads {@code SELECT day, count} rows into a map. */
    static Map<LocalDate, Long> byDay(Dataset<Row> dayAndCount) {
        Map<LocalDate, Long> counts = new HashMap<>();
        for (Row r : dayAndCount.collectAsList()) {
            if (!r.isNullAt(0)) {
                counts.put(r.getDate(0).toLocalDate(), r.getLong(1));
            }
        }
        return counts;
    }

    public static long total(Map<LocalDate, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }
}
