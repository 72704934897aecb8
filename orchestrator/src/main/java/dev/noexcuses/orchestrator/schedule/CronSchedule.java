package dev.noexcuses.orchestrator.schedule;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A classic five-field cron expression ({@code minute hour day-of-month month day-of-week}, with
 * {@code *}, lists, ranges and steps, and the presets {@code @hourly @daily @weekly @monthly}) as
 * Airflow and crontab read it: when both day fields are restricted, a day matching either counts.
 */
public final class CronSchedule {
    private static final Map<String, String> PRESETS = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *");

    private final String expression;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet daysOfMonth;
    private final BitSet months;
    private final BitSet daysOfWeek;
    private final boolean dayOfMonthRestricted;
    private final boolean dayOfWeekRestricted;

    private CronSchedule(String expression, String[] f) {
        this.expression = expression;
        this.minutes = field(expression, f[0], 0, 59);
        this.hours = field(expression, f[1], 0, 23);
        this.daysOfMonth = field(expression, f[2], 1, 31);
        this.months = field(expression, f[3], 1, 12);
        BitSet dow = field(expression, f[4], 0, 7);
        if (dow.get(7)) {
            dow.set(0);
        }
        this.daysOfWeek = dow;
        this.dayOfMonthRestricted = !f[2].equals("*");
        this.dayOfWeekRestricted = !f[4].equals("*");
    }

    public static CronSchedule parse(String expression) {
        String trimmed = expression.trim();
        String[] fields = PRESETS.getOrDefault(trimmed, trimmed).split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("Invalid cron expression '" + expression
                    + "': expected five fields (minute hour day-of-month month day-of-week) or a preset such as @daily");
        }
        return new CronSchedule(trimmed, fields);
    }

    public String expression() {
        return expression;
    }

    /** The first schedule point strictly after {@code after}, in {@code zone}. */
    public Instant next(Instant after, ZoneId zone) {
        LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
        LocalDateTime limit = t.plusYears(5);
        while (t.isBefore(limit)) {
            if (!months.get(t.getMonthValue())) {
                t = t.withDayOfMonth(1).toLocalDate().plusMonths(1).atStartOfDay();
            } else if (!dayMatches(t.toLocalDate())) {
                t = t.toLocalDate().plusDays(1).atStartOfDay();
            } else if (!hours.get(t.getHour())) {
                t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
            } else if (!minutes.get(t.getMinute())) {
                t = t.plusMinutes(1);
            } else {
                Instant candidate = ZonedDateTime.of(t, zone).toInstant();
                if (candidate.isAfter(after)) {
                    return candidate;
                }
                t = t.plusMinutes(1);
            }
        }
        throw new IllegalStateException("Cron expression '" + expression + "' has no time in the five years after " + after);
    }

    /**
     * The latest complete interval at {@code now}: between the last two schedule points at or before
     * it, if there are two within a year and a half.
     */
    public Optional<DataInterval> latestCompleteInterval(Instant now, ZoneId zone) {
        for (Duration lookBack : List.of(Duration.ofHours(2), Duration.ofDays(3), Duration.ofDays(70),
                Duration.ofDays(550))) {
            Instant previous = null;
            Instant last = null;
            Instant t = next(now.minus(lookBack), zone);
            while (!t.isAfter(now)) {
                previous = last;
                last = t;
                t = next(t, zone);
            }
            if (previous != null) {
                return Optional.of(new DataInterval(previous, last));
            }
        }
        return Optional.empty();
    }

    /** The interval whose start is the first schedule point on {@code day} (in {@code zone}), if any. */
    public Optional<DataInterval> intervalStartingOn(LocalDate day, ZoneId zone) {
        Instant dayStart = day.atStartOfDay(zone).toInstant();
        Instant start = next(dayStart.minusSeconds(60), zone);
        if (!LocalDateTime.ofInstant(start, zone).toLocalDate().equals(day)) {
            return Optional.empty();
        }
        return Optional.of(new DataInterval(start, next(start, zone)));
    }

    private boolean dayMatches(LocalDate date) {
        boolean dom = daysOfMonth.get(date.getDayOfMonth());
        boolean dow = daysOfWeek.get(date.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : date.getDayOfWeek().getValue());
        if (dayOfMonthRestricted && dayOfWeekRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    private static BitSet field(String expression, String field, int min, int max) {
        BitSet bits = new BitSet(max + 1);
        for (String part : field.split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(expression, part.substring(slash + 1), 1, max);
                range = part.substring(0, slash);
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", 2);
                from = number(expression, ends[0], min, max);
                to = number(expression, ends[1], min, max);
            } else {
                from = number(expression, range, min, max);
                to = slash >= 0 ? max : from;
            }
            if (from > to) {
                throw new IllegalArgumentException("Invalid cron expression '" + expression + "': range " + range
                        + " runs backwards");
            }
            for (int v = from; v <= to; v += step) {
                bits.set(v);
            }
        }
        return bits;
    }

    private static int number(String expression, String text, int min, int max) {
        try {
            int v = Integer.parseInt(text);
            if (v < min || v > max) {
                throw new IllegalArgumentException("Invalid cron expression '" + expression + "': " + v
                        + " is outside " + min + "-" + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid cron expression '" + expression + "': '" + text
                    + "' is not a number", e);
        }
    }

    @Override
    public String toString() {
        return expression;
    }
}
