package dev.noexcuses.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.RunStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs created from schedules, with the clock moved by the test instead of waited for. */
class CatchUpTest {
    @TempDir
    Path dir;

    @Test
    void aScheduleStartsWithTheNextIntervalAndCatchesUpEveryIntervalMissedDuringDowntime() throws Exception {
        Dag nightly = nightly(true);
        MovableClock clock = new MovableClock(Instant.parse("2026-11-20T10:00:00Z"));
        try (Database db = Database.open(TestDatabases.fresh(dir, Map.of()), 2)) {
            RunStore store = new RunStore(db, new DagCatalog(List.of(nightly)), clock);

            assertThat(store.createScheduledRuns(nightly, 30)).as("first look: no runs for the past").isZero();
            clock.now = Instant.parse("2026-11-21T03:00:00Z");
            assertThat(store.createScheduledRuns(nightly, 30)).isEqualTo(1);
            assertThat(store.createScheduledRuns(nightly, 30)).as("each interval once").isZero();

            clock.now = Instant.parse("2026-11-25T02:30:00Z");   // four nights of downtime
            assertThat(store.createScheduledRuns(nightly, 30)).isEqualTo(4);

            List<DagRun> runs = store.runs("nightly", 10);
            assertThat(runs).extracting(DagRun::date).containsExactly(LocalDate.parse("2026-11-24"),
                    LocalDate.parse("2026-11-23"), LocalDate.parse("2026-11-22"), LocalDate.parse("2026-11-21"),
                    LocalDate.parse("2026-11-20"));
            assertThat(runs).allMatch(r -> r.runType().equals("scheduled") && r.state().equals("queued"));
            assertThat(runs.get(0).logicalDate()).isEqualTo("2026-11-24T02:00:00Z");
            assertThat(runs.get(0).intervalEnd()).isEqualTo("2026-11-25T02:00:00Z");
        }
    }

    @Test
    void withoutCatchUpOnlyTheLatestMissedIntervalRunsAndCatchUpIsBounded() throws Exception {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-20T10:00:00Z"));
        try (Database db = Database.open(TestDatabases.fresh(dir, Map.of()), 2)) {
            Dag noCatchup = nightly(false);
            RunStore store = new RunStore(db, new DagCatalog(List.of(noCatchup)), clock);
            store.createScheduledRuns(noCatchup, 30);
            clock.now = Instant.parse("2026-11-30T03:00:00Z");
            assertThat(store.createScheduledRuns(noCatchup, 30)).isEqualTo(1);
            assertThat(store.runs("nightly", 10)).extracting(DagRun::date).containsExactly(LocalDate.parse("2026-11-29"));
        }
        try (Database db = Database.open(TestDatabases.fresh(dir, Map.of()), 2)) {
            Dag catchup = nightly(true);
            clock.now = Instant.parse("2026-11-20T10:00:00Z");
            RunStore store = new RunStore(db, new DagCatalog(List.of(catchup)), clock);
            store.createScheduledRuns(catchup, 3);
            clock.now = Instant.parse("2026-11-30T03:00:00Z");
            assertThat(store.createScheduledRuns(catchup, 3)).isEqualTo(3);
            assertThat(store.runs("nightly", 10)).extracting(DagRun::date).containsExactly(LocalDate.parse("2026-11-29"),
                    LocalDate.parse("2026-11-28"), LocalDate.parse("2026-11-27"));
        }
    }

    private static Dag nightly(boolean catchup) {
        return Dag.named("nightly").schedule("0 2 * * *", ZoneOffset.UTC).catchup(catchup)
                .task(DagTask.named("work").command("true").build()).build();
    }

    private static final class MovableClock extends Clock {
        volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
