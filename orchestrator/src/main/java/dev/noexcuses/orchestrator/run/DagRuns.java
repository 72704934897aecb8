package dev.noexcuses.orchestrator.run;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.schedule.CronSchedule;
import dev.noexcuses.orchestrator.schedule.DataInterval;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a user asks of the run history, by DAG and date: trigger a run, backfill a date range, clear a
 * failed task, and read runs, tasks and attempts. Runs are picked up by whichever scheduler instance
 * is running on the same database.
 */
public final class DagRuns {
    private final RunStore store;
    private final DagCatalog dags;
    private final Clock clock;

    public DagRuns(Database db, DagCatalog dags, Clock clock) {
        this.store = new RunStore(db, dags, clock);
        this.dags = requireNonNull(dags, "dags is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public DagCatalog dags() {
        return dags;
    }

    /** A manual run for {@code date}'s interval, or without a date for the latest complete interval. */
    public DagRun trigger(String dagId, Optional<LocalDate> date) {
        Dag dag = dags.get(dagId);
        DataInterval interval = date.map(d -> intervalOn(dag, d)).orElseGet(() -> latestInterval(dag));
        return store.trigger(dag, interval);
    }

    /** Runs for every interval starting from {@code from} through {@code to}, oldest first. */
    public List<DagRun> backfill(String dagId, LocalDate from, LocalDate to) {
        if (to.isBefore(from)) {
            throw new IllegalArgumentException("Invalid backfill range: --from " + from + " is after --to " + to);
        }
        Dag dag = dags.get(dagId);
        List<DataInterval> intervals = new ArrayList<>();
        Instant end = to.plusDays(1).atStartOfDay(dag.zone()).toInstant();
        if (dag.schedule().isPresent()) {
            CronSchedule cron = dag.schedule().get();
            for (Instant start = cron.next(from.atStartOfDay(dag.zone()).toInstant().minusSeconds(60), dag.zone());
                 start.isBefore(end); start = cron.next(start, dag.zone())) {
                intervals.add(new DataInterval(start, cron.next(start, dag.zone())));
            }
        } else {
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                intervals.add(intervalOn(dag, d));
            }
        }
        return store.backfill(dag, intervals);
    }

    /** Clears {@code task} (or every failed task) of {@code date}'s run and its downstream tasks, to run again. */
    public DagRun clear(String dagId, LocalDate date, Optional<String> task) {
        Dag dag = dags.get(dagId);
        return store.clear(dag, intervalOn(dag, date).start(), task.orElse(null));
    }

    public List<DagRun> runs(Optional<String> dagId, int limit) {
        dagId.ifPresent(dags::get);
        return store.runs(dagId.orElse(null), limit);
    }

    public Optional<DagRun> run(String dagId, LocalDate date) {
        Dag dag = dags.get(dagId);
        return store.findRun(dag.id(), intervalOn(dag, date).start());
    }

    /** Whether a scheduler instance is running on this database (one that passed within the last 30 s). */
    public boolean schedulerActive() {
        return store.schedulerActive(java.time.Duration.ofSeconds(30));
    }

    /** The run with this id, if there is one. */
    public Optional<DagRun> run(long runId) {
        try {
            return Optional.of(store.run(runId));
        } catch (IllegalArgumentException noSuchRun) {
            return Optional.empty();
        }
    }

    public DagRun refresh(DagRun run) {
        return store.run(run.runId());
    }

    public List<TaskInstance> tasks(DagRun run) {
        return store.tasks(run.runId());
    }

    public List<TaskAttempt> attempts(DagRun run) {
        return store.attempts(run.runId());
    }

    /** The interval a run for {@code date} covers: the one starting at the schedule's first point that day. */
    public static DataInterval intervalOn(Dag dag, LocalDate date) {
        if (dag.schedule().isEmpty()) {
            return new DataInterval(date.atStartOfDay(dag.zone()).toInstant(),
                    date.plusDays(1).atStartOfDay(dag.zone()).toInstant());
        }
        return dag.schedule().get().intervalStartingOn(date, dag.zone()).orElseThrow(() ->
                new IllegalArgumentException("DAG " + dag.id() + " has no run on " + date + ": its schedule ("
                        + dag.schedule().get() + " " + dag.zone() + ") has no point that day"));
    }

    private DataInterval latestInterval(Dag dag) {
        Instant now = clock.instant();
        if (dag.schedule().isEmpty()) {
            return intervalOn(dag, LocalDate.ofInstant(now, dag.zone()).minusDays(1));
        }
        return dag.schedule().get().latestCompleteInterval(now, dag.zone()).orElseThrow(() ->
                new IllegalStateException("DAG " + dag.id() + " has no complete interval yet; give --date"));
    }
}
