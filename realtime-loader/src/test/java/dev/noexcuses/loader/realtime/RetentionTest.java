package dev.noexcuses.loader.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.loader.realtime.document.DailyIndex;
import dev.noexcuses.loader.realtime.index.RetentionSweeper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionTest {

    @Test
    void dailyIndicesOlderThanTheRetentionAreDeletedAndTheOthersKept() throws Exception {
        try (var t = new LoaderTestSupport(Map.of())) {
            Instant now = Instant.now();
            String expired = DailyIndex.name(t.enrichedPrefix, now.minus(31, ChronoUnit.DAYS));
            String lastKept = DailyIndex.name(t.enrichedPrefix, now.minus(29, ChronoUnit.DAYS));
            String today = DailyIndex.name(t.failedPrefix, now);
            String expiredFailed = DailyIndex.name(t.failedPrefix, now.minus(400, ChronoUnit.DAYS));
            String notDaily = t.enrichedPrefix + "archive";
            for (String index : List.of(expired, lastKept, today, expiredFailed, notDaily)) {
                t.search.indices().create(c -> c.index(index));
            }

            RetentionSweeper sweeper = new RetentionSweeper(t.search, List.of(t.enrichedPrefix, t.failedPrefix), 30,
                    Clock.fixed(now, ZoneOffset.UTC));
            assertThat(sweeper.sweep()).containsExactlyInAnyOrder(expired, expiredFailed);

            for (String kept : List.of(lastKept, today, notDaily)) {
                assertThat(t.search.indices().exists(e -> e.index(kept)).value()).as(kept).isTrue();
            }
            assertThat(t.search.indices().exists(e -> e.index(expired)).value()).isFalse();
            assertThat(sweeper.sweep()).isEmpty();
            assertThat(new RetentionSweeper(t.search, List.of(t.enrichedPrefix), 0, Clock.systemUTC()).sweep()).isEmpty();
        }
    }
}
