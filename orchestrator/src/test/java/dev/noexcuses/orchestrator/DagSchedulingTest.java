package dev.noexcuses.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskAttempt;
import dev.noexcuses.orchestrator.run.TaskInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One scheduler instance on a real PostgreSQL, running real shell commands as its tasks. */
class DagSchedulingTest {
    private static final LocalDate DAY = LocalDate.parse("2026-11-30");

    @TempDir
    Path dir;
    private Database db;
    private DagRuns runs;
    private DagScheduler scheduler;

    @BeforeEach
    void startScheduler() throws Exception {
        Config config = TestDatabases.fresh(dir.resolve("data"), Map.of());
        db = Database.open(config, 4);
        DagCatalog dags = TestDags.catalog(dir);
        runs = new DagRuns(db, dags, Clock.systemUTC());
        scheduler = DagScheduler.start(OrchestratorSettings.from(config), db, dags);
    }

    @AfterEach
    void stopScheduler() {
        scheduler.close();
        db.close();
    }

    @Test
    void runsEachTaskAfterItsUpstreamAndRecordsExitCodeOutputAndDuration() throws Exception {
        DagRun run = runs.trigger("diamond", Optional.of(DAY));
        assertThat(run.runType()).isEqualTo("manual");
        assertThat(run.state()).isEqualTo("queued");

        DagRun done = awaitFinished(run);

        assertThat(done.state()).isEqualTo("success");
        assertThat(done.reason()).isNull();
        List<String> executions = TestDags.lines(dir.resolve("executions"));
        assertThat(executions).hasSize(4).allMatch(l -> l.endsWith(" 2026-11-30"));
        assertThat(executions.get(0)).startsWith("extract");
        assertThat(executions.get(3)).startsWith("publish");
        List<TaskAttempt> attempts = runs.attempts(done);
        assertThat(attempts).extracting(TaskAttempt::taskId)
                .containsExactlyInAnyOrder("extract", "clean", "enrich", "publish");
        for (TaskAttempt a : attempts) {
            assertThat(a.state()).isEqualTo("success");
            assertThat(a.exitCode()).isZero();
            assertThat(a.tryNumber()).isEqualTo(1);
            assertThat(a.durationMs()).isNotNull().isNotNegative();
            assertThat(a.pid()).isNotNull();
            assertThat(a.command()).contains("2026-11-30");
            assertThat(a.scheduler()).isEqualTo(scheduler.name());
            assertThat(Path.of(a.logFile())).exists();
            assertThat(Path.of(a.logFile()).toString()).endsWith("diamond/2026-11-30/" + a.taskId() + ".1.log");
        }
        TaskAttempt publish = attempts.stream().filter(a -> a.taskId().equals("publish")).findFirst().orElseThrow();
        attempts.stream().filter(a -> !a.taskId().equals("publish"))
                .forEach(a -> assertThat(a.endedAt()).isBeforeOrEqualTo(publish.startedAt()));
    }

    @Test
    void retriesAFailedTaskWithExponentialBackoffUntilItSucceeds() throws Exception {
        DagRun done = awaitFinished(runs.trigger("flaky", Optional.of(DAY)));

        assertThat(done.state()).isEqualTo("success");
        List<TaskAttempt> attempts = runs.attempts(done);
        assertThat(attempts).extracting(TaskAttempt::tryNumber).containsExactly(1, 2, 3);
        assertThat(attempts).extracting(TaskAttempt::exitCode).containsExactly(1, 1, 0);
        assertThat(attempts.get(0).error()).isEqualTo("exit code 1: try 1");
        // Backoff of 1 s, then 2 s: a retry never starts before its delay has passed.
        assertThat(Duration.between(attempts.get(0).endedAt(), attempts.get(1).startedAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(Duration.between(attempts.get(1).endedAt(), attempts.get(2).startedAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(TestDags.lines(dir.resolve("executions"))).hasSize(3);
    }

    @Test
    void aFailedCheckIsNotRetriedStopsDownstreamTasksAndTheRunSaysWhyThenClearRunsThemAgain() throws Exception {
        DagRun failed = awaitFinished(runs.trigger("gate", Optional.of(DAY)));

        assertThat(failed.state()).isEqualTo("failed");
        assertThat(failed.reason()).isEqualTo(
                "task check failed after 1 try: exit code 3: error check event_id_unique failed: 12 duplicates");
        assertThat(states(failed)).containsExactly(Map.entry("check", "failed"), Map.entry("build", "upstream_failed"));
        assertThat(TestDags.lines(dir.resolve("executions"))).containsExactly("check 2026-11-30");

        Files.createFile(dir.resolve("fixed"));
        DagRun cleared = runs.clear("gate", DAY, Optional.empty());
        assertThat(cleared.state()).isEqualTo("queued");
        DagRun rerun = awaitFinished(cleared);

        assertThat(rerun.state()).isEqualTo("success");
        assertThat(rerun.reason()).isNull();
        assertThat(states(rerun)).containsExactly(Map.entry("check", "success"), Map.entry("build", "success"));
        assertThat(runs.attempts(rerun)).extracting(a -> a.taskId() + "#" + a.tryNumber() + "=" + a.state())
                .containsExactly("check#1=failed", "check#2=success", "build#1=success");
        assertThat(TestDags.lines(dir.resolve("executions")))
                .containsExactly("check 2026-11-30", "check 2026-11-30", "build 2026-11-30");
    }

    @Test
    void backfillRunsTheDaysOneAtATimeInDateOrder() throws Exception {
        List<DagRun> backfill = runs.backfill("diamond", LocalDate.parse("2026-11-25"), LocalDate.parse("2026-11-28"));

        assertThat(backfill).extracting(DagRun::date).containsExactly(LocalDate.parse("2026-11-25"),
                LocalDate.parse("2026-11-26"), LocalDate.parse("2026-11-27"), LocalDate.parse("2026-11-28"));
        for (DagRun run : backfill) {
            assertThat(awaitFinished(run).state()).isEqualTo("success");
        }
        List<String> days = TestDags.lines(dir.resolve("executions")).stream()
                .map(l -> l.substring(l.indexOf(' ') + 1)).toList();
        assertThat(days).hasSize(16).isSorted();
        assertThat(runs.runs(Optional.of("diamond"), 10)).extracting(DagRun::runType).containsOnly("backfill");
    }

    @Test
    void aPoolRunsItsTasksOneAtATime() throws Exception {
        DagRun done = awaitFinished(runs.trigger("pooled", Optional.of(DAY)));

        assertThat(done.state()).isEqualTo("success");
        assertThat(TestDags.lines(dir.resolve("executions"))).hasSize(3);
        assertThat(dir.resolve("overlaps")).doesNotExist();
        List<TaskAttempt> attempts = runs.attempts(done);
        assertThat(attempts).extracting(TaskAttempt::pool).containsOnly("spark");
        for (int i = 1; i < attempts.size(); i++) {
            assertThat(attempts.get(i).startedAt()).isAfterOrEqualTo(attempts.get(i - 1).endedAt());
        }
    }

    @Test
    void aTaskOverItsTimeoutIsKilledWithItsChildProcesses() throws Exception {
        DagRun done = awaitFinished(runs.trigger("slow", Optional.of(DAY)));

        assertThat(done.state()).isEqualTo("failed");
        TaskAttempt attempt = runs.attempts(done).get(0);
        assertThat(attempt.exitCode()).isNull();
        assertThat(attempt.error()).isEqualTo("timed out after 3 s; killed with its child processes");
        assertThat(done.reason()).contains("task hang failed after 1 try: timed out after 3 s");
        long childPid = Long.parseLong(Files.readString(dir.resolve("child.pid")).trim());
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(childPid).map(p -> !p.isAlive()).orElse(true));
        assertThat(ProcessHandle.of(attempt.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void aDayThatAlreadyHasARunIsNotTriggeredTwice() throws Exception {
        awaitFinished(runs.trigger("diamond", Optional.of(DAY)));

        assertThatThrownBy(() -> runs.trigger("diamond", Optional.of(DAY)))
                .hasMessage("DAG diamond already has a run for 2026-11-30 (success); re-run it with: "
                        + "./platform dags clear diamond --date 2026-11-30");
        assertThatThrownBy(() -> runs.trigger("nope", Optional.of(DAY))).hasMessageContaining("No DAG named 'nope'");
    }

    private DagRun awaitFinished(DagRun run) {
        return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> runs.refresh(run), DagRun::finished);
    }

    private Map<String, String> states(DagRun run) {
        return runs.tasks(run).stream().collect(Collectors.toMap(TaskInstance::taskId, TaskInstance::state,
                (a, b) -> a, java.util.LinkedHashMap::new));
    }
}
