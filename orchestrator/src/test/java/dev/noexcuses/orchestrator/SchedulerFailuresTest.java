package dev.noexcuses.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskAttempt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the orchestrator behaves when a scheduler dies, and with several schedulers on one database. */
class SchedulerFailuresTest {
    @TempDir
    Path dir;

    @Test
    void anAttemptInterruptedBySigkillIsMarkedFailedItsProcessKilledAndRetriedOnceWithoutOverlap() throws Exception {
        Config config = TestDatabases.fresh(dir.resolve("data"), Map.of());
        DagCatalog dags = TestDags.catalog(dir);
        try (Database db = Database.open(config, 4)) {
            DagRuns runs = new DagRuns(db, dags, Clock.systemUTC());
            Process doomed = SchedulerProcess.start(config, dir, "doomed");
            DagRun run;
            try {
                run = runs.trigger("interrupted", Optional.of(LocalDate.parse("2026-11-30")));
                await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(dir.resolve("first-try.pid"))
                        && runs.attempts(run).stream().anyMatch(a -> a.pid() != null));
            } finally {
                doomed.destroyForcibly();   // SIGKILL: no shutdown hook, no cleanup
                doomed.waitFor();
            }
            long orphanSleep = Long.parseLong(Files.readString(dir.resolve("first-try.pid")).trim());
            TaskAttempt first = runs.attempts(run).get(0);
            assertThat(first.state()).isEqualTo("running");
            assertThat(first.scheduler()).isEqualTo("doomed");
            assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive)).contains(true);

            try (DagScheduler restarted = DagScheduler.start(OrchestratorSettings.from(
                    config.withValue("orchestrator.instance-name",
                            com.typesafe.config.ConfigValueFactory.fromAnyRef("restarted"))), db, dags)) {
                DagRun done = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> runs.refresh(run), DagRun::finished);

                assertThat(done.state()).isEqualTo("success");
                List<TaskAttempt> attempts = runs.attempts(done);
                assertThat(attempts).extracting(a -> a.tryNumber() + ":" + a.state() + ":" + a.scheduler())
                        .containsExactly("1:failed:doomed", "2:success:restarted");
                assertThat(attempts.get(0).error()).startsWith("scheduler doomed stopped sending heartbeats")
                        .contains("was still running and was killed with its children");
                assertThat(attempts.get(1).startedAt()).isAfterOrEqualTo(attempts.get(0).endedAt());
            }
            // The interrupted try's process and its child are gone, the task ran exactly twice, never both at once.
            assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(ProcessHandle.of(orphanSleep).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(TestDags.lines(dir.resolve("starts"))).hasSize(2);
            assertThat(dir.resolve("overlaps")).doesNotExist();
        }
    }

    @Test
    void twoSchedulersOnOneDatabaseRunEveryAttemptExactlyOnceAndShareTheWork() throws Exception {
        Config config = TestDatabases.fresh(dir.resolve("data"), Map.of("orchestrator.threads", "1"));
        DagCatalog dags = TestDags.catalog(dir);
        try (Database db = Database.open(config, 4);
             DagScheduler first = DagScheduler.start(named(config, "first"), db, dags);
             Database db2 = Database.open(config, 4);
             DagScheduler second = DagScheduler.start(named(config, "second"), db2, dags)) {
            DagRuns runs = new DagRuns(db, dags, Clock.systemUTC());
            List<DagRun> backfill = runs.backfill("wide", LocalDate.parse("2026-11-01"), LocalDate.parse("2026-11-03"));

            for (DagRun run : backfill) {
                DagRun done = await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
                        .until(() -> runs.refresh(run), DagRun::finished);
                assertThat(done.state()).isEqualTo("success");
            }

            List<String> executions = TestDags.lines(dir.resolve("executions"));
            assertThat(executions).hasSize(24).doesNotHaveDuplicates();
            List<TaskAttempt> attempts = backfill.stream().flatMap(r -> runs.attempts(r).stream()).toList();
            assertThat(attempts).hasSize(24).allMatch(a -> a.tryNumber() == 1 && a.state().equals("success"));
            assertThat(attempts.stream().map(TaskAttempt::scheduler).collect(Collectors.toSet()))
                    .isEqualTo(new HashSet<>(List.of("first", "second")));
        }
    }

    private static OrchestratorSettings named(Config config, String name) {
        return OrchestratorSettings.from(config.withValue("orchestrator.instance-name",
                com.typesafe.config.ConfigValueFactory.fromAnyRef(name)));
    }
}
