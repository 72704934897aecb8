package dev.noexcuses.ml.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class ChurnLabelsTest {
    private static final LocalDate FIRST = LocalDate.parse("2026-10-01");

    @Test
    void theLatestCutOffLeavesFourteenKnownDaysAfterItAndTheOthersAreAWeekApartOldestFirst() {
        assertThat(ChurnLabels.cutOffs(FIRST, LocalDate.parse("2026-11-30"), 4, 7)).containsExactly(
                LocalDate.parse("2026-10-26"), LocalDate.parse("2026-11-02"), LocalDate.parse("2026-11-09"),
                LocalDate.parse("2026-11-16"));
    }

    @Test
    void cutOffsStopAWeekAfterTheFirstDayOfHistory() {
        // 2026-10-01 + 6 days: nothing before 2026-10-07.
        assertThat(ChurnLabels.cutOffs(FIRST, LocalDate.parse("2026-11-04"), 10, 7)).containsExactly(
                LocalDate.parse("2026-10-07"), LocalDate.parse("2026-10-14"), LocalDate.parse("2026-10-21"));
    }

    @Test
    void aHistoryTooShortForTwoCutOffsIsRefusedWithWhatItNeeds() {
        assertThatThrownBy(() -> ChurnLabels.cutOffs(FIRST, LocalDate.parse("2026-10-25"), 4, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too short")
                .hasMessageContaining("28 complete days");
        assertThatThrownBy(() -> ChurnLabels.cutOffs(FIRST, LocalDate.parse("2026-12-25"), 1, 7))
                .hasMessageContaining("at least 2");
    }

    @Test
    void theLabelQueryLooksThirtyDaysBackAndFourteenAhead() {
        String sql = ChurnLabels.sql("curated.sessions", java.util.List.of(LocalDate.parse("2026-11-15")));
        assertThat(sql).contains("DATE '2026-11-15'").contains("date_sub(c.cut_off, 29)").contains("date_add(c.cut_off, 14)")
                .contains("CAST(date_add(a.cut_off, 1) AS TIMESTAMP) AS label_time");
    }
}
