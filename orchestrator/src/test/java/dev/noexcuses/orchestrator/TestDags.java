package dev.noexcuses.orchestrator;

import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.dag.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * DAGs of fast real shell commands for the scheduling tests. Each task appends "task date" to
 * {@code dir/executions} when it runs, so tests count executions from what the processes did.
 */
final class TestDags {
    private TestDags() {}

    static DagCatalog catalog(Path dir) {
        return new DagCatalog(List.of(diamond(dir), flaky(dir), gate(dir), wide(dir), pooled(dir), slow(dir),
                interrupted(dir)));
    }

    /** Records an execution, then runs {@code body}. */
    static String[] shell(Path dir, String task, String body) {
        return new String[] {"bash", "-c", "echo \"" + task + " {{ ds }}\" >> '" + dir.resolve("executions") + "'; " + body};
    }

    /** extract -> (clean, enrich) -> publish, unscheduled. */
    static Dag diamond(Path dir) {
        return Dag.named("diamond")
                .task(DagTask.named("extract").command(shell(dir, "extract", "true")).build())
                .task(DagTask.named("clean").command(shell(dir, "clean", "true")).after("extract").build())
                .task(DagTask.named("enrich").command(shell(dir, "enrich", "true")).after("extract").build())
                .task(DagTask.named("publish").command(shell(dir, "publish", "true")).after("clean", "enrich").build())
                .build();
    }

    /** A task that fails twice, then succeeds; 3 retries, 1 s doubling. */
    static Dag flaky(Path dir) {
        String counter = dir.resolve("flaky-count").toString();
        return Dag.named("flaky")
                .task(DagTask.named("sometimes").command(shell(dir, "sometimes",
                                "n=$(cat '" + counter + "' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" + counter
                                        + "'; echo \"try $n\"; [ $n -ge 3 ]"))
                        .retry(RetryPolicy.exponential(3, Duration.ofSeconds(1), Duration.ofSeconds(30))).build())
                .build();
    }

    /** A check that fails (exit 3, saying why, not retried) until dir/fixed exists, and a task behind it. */
    static Dag gate(Path dir) {
        String fixed = dir.resolve("fixed").toString();
        return Dag.named("gate")
                .task(DagTask.named("check").command(shell(dir, "check",
                        "if [ -e '" + fixed + "' ]; then echo all good; else echo 'error check event_id_unique failed: 12 duplicates'; exit 3; fi"))
                        .retry(RetryPolicy.exponential(2, Duration.ofSeconds(1), Duration.ofSeconds(5))).noRetryOnExit(3)
                        .build())
                .task(DagTask.named("build").command(shell(dir, "build", "true")).after("check").build())
                .build();
    }

    /** Eight independent one-second tasks, up to three runs at once: work for several schedulers. */
    static Dag wide(Path dir) {
        Dag.Builder b = Dag.named("wide").maxActiveRuns(3);
        for (int i = 1; i <= 8; i++) {
            b.task(DagTask.named("t" + i).command(shell(dir, "t" + i, "sleep 1")).build());
        }
        return b.build();
    }

    /** Three tasks in a one-slot pool; a task that finds the pool's lock taken records an overlap. */
    static Dag pooled(Path dir) {
        String lock = dir.resolve("pool.lock").toString();
        String overlaps = dir.resolve("overlaps").toString();
        Dag.Builder b = Dag.named("pooled").maxActiveRuns(1);
        for (String t : List.of("a", "b", "c")) {
            b.task(DagTask.named(t).pool("spark").command(shell(dir, t,
                    "flock -n '" + lock + "' sleep 1 || echo " + t + " >> '" + overlaps + "'")).build());
        }
        return b.build();
    }

    /** A task that starts a child process and never finishes by itself: 3 s timeout, no retry. */
    static Dag slow(Path dir) {
        String childPid = dir.resolve("child.pid").toString();
        return Dag.named("slow")
                .task(DagTask.named("hang").timeout(Duration.ofSeconds(3)).command(shell(dir, "hang",
                        "sleep 300 & echo $! > '" + childPid + "'; wait")).build())
                .build();
    }

    /**
     * The first try hangs (the test kills its scheduler meanwhile); later tries finish at once. Each
     * try holds a lock while it runs and records an overlap if an earlier try still holds it.
     */
    static Dag interrupted(Path dir) {
        String starts = dir.resolve("starts").toString();
        String lock = dir.resolve("interrupted.lock").toString();
        String overlaps = dir.resolve("overlaps").toString();
        String pids = dir.resolve("first-try.pid").toString();
        return Dag.named("interrupted")
                .task(DagTask.named("long_job")
                        .retry(RetryPolicy.exponential(2, Duration.ofSeconds(1), Duration.ofSeconds(5)))
                        .command(shell(dir, "long_job",
                                "echo x >> '" + starts + "'; n=$(wc -l < '" + starts + "'); "
                                        + "exec 9>'" + lock + "'; flock -n 9 || echo overlap >> '" + overlaps + "'; "
                                        + "if [ $n -eq 1 ]; then sleep 600 & echo $! > '" + pids + "'; wait; fi; echo done"))
                        .build())
                .build();
    }

    static List<String> lines(Path file) throws java.io.IOException {
        return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : new ArrayList<>();
    }
}
