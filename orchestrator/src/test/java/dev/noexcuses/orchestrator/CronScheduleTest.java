package dev.noexcuses.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.orchestrator.schedule.CronSchedule;
import dev.noexcuses.orchestrator.schedule.DataInterval;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    @Test
    void findsTheNextPointStrictlyAfterAnInstant() {
        CronSchedule daily = CronSchedule.parse("30 0 * * *");
        assertThat(daily.next(Instant.parse("2026-11-30T00:29:59Z"), UTC)).isEqualTo("2026-11-30T00:30:00Z");
        assertThat(daily.next(Instant.parse("2026-11-30T00:30:00Z"), UTC)).isEqualTo("2026-12-01T00:30:00Z");
        assertThat(CronSchedule.parse("*/15 9-17 * * 1-5").next(Instant.parse("2026-11-27T17:50:00Z"), UTC))
                .as("Friday evening to Monday morning").isEqualTo("2026-11-30T09:00:00Z");
        assertThat(CronSchedule.parse("@monthly").next(Instant.parse("2026-02-14T00:00:00Z"), UTC))
                .isEqualTo("2026-03-01T00:00:00Z");
    }

    @Test
    void followsTheTimeZoneOfTheDag() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertThat(CronSchedule.parse("0 2 * * *").next(Instant.parse("2026-11-30T12:00:00Z"), berlin))
                .isEqualTo("2026-12-01T01:00:00Z");
    }

    @Test
    void aDayRestrictedByDayOfMonthOrDayOfWeekMatchesEither() {
        // The 1st of the month or any Sunday, as crontab reads it.
        CronSchedule either = CronSchedule.parse("0 0 1 * 0");
        assertThat(either.next(Instant.parse("2026-11-25T00:00:00Z"), UTC)).isEqualTo("2026-11-29T00:00:00Z");
        assertThat(either.next(Instant.parse("2026-11-29T00:00:00Z"), UTC)).isEqualTo("2026-12-01T00:00:00Z");
    }

    @Test
    void theLatestCompleteIntervalEndsAtTheLastPointBeforeNow() {
        CronSchedule daily = CronSchedule.parse("30 0 * * *");
        assertThat(daily.latestCompleteInterval(Instant.parse("2026-12-01T10:00:00Z"), UTC)).contains(
                new DataInterval(Instant.parse("2026-11-30T00:30:00Z"), Instant.parse("2026-12-01T00:30:00Z")));
        assertThat(daily.intervalStartingOn(LocalDate.parse("2026-11-30"), UTC)).contains(
                new DataInterval(Instant.parse("2026-11-30T00:30:00Z"), Instant.parse("2026-12-01T00:30:00Z")));
        assertThat(CronSchedule.parse("0 0 * * 1").intervalStartingOn(LocalDate.parse("2026-11-30"), UTC)).isPresent();
        assertThat(CronSchedule.parse("0 0 * * 1").intervalStartingOn(LocalDate.parse("2026-12-01"), UTC)).isEmpty();
    }

    @Test
    void rejectsMalformedExpressionsSayingWhatIsWrong() {
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * *")).hasMessageContaining("expected five fields");
        assertThatThrownBy(() -> CronSchedule.parse("61 0 * * *")).hasMessageContaining("61 is outside 0-59");
        assertThatThrownBy(() -> CronSchedule.parse("0 x * * *")).hasMessageContaining("'x' is not a number");
    }
}
