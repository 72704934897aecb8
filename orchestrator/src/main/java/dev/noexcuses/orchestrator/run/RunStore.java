package dev.noexcuses.orchestrator.run;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.schedule.DataInterval;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The run history and the state machine of runs and tasks, in PostgreSQL. Every change to a run's
 * tasks happens in a transaction holding that run's row lock, so any number of scheduler instances
 * can advance the same run without stepping on each other; pools are counted under an advisory lock.
 * Methods that make tasks ready return the attempts to schedule once the transaction has committed.
 */
public final class RunStore {
    private static final String RUN_COLUMNS =
            "run_id, dag_id, logical_date, interval_end, run_type, state, reason, created_at, started_at, ended_at";
    private static final String ATTEMPT_COLUMNS = "attempt_id, run_id, task_id, try_number, state, pool, scheduler, "
            + "host, pid, command, log_file, exit_code, error, started_at, ended_at, duration_ms";

    private final Database db;
    private final DagCatalog dags;
    private final Clock clock;

    public RunStore(Database db, DagCatalog dags, Clock clock) {
        this.db = requireNonNull(db, "db is null");
        this.dags = requireNonNull(dags, "dags is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** An attempt to hand to db-scheduler: task {@code taskId} of run {@code runId}, try {@code tryNumber}, at {@code at}. */
    public record AttemptDue(long runId, String taskId, int tryNumber, Instant at) {}

    // ---- schedules -----------------------------------------------------------------------------------------

    /**
     * Creates runs for the intervals of {@code dag}'s schedule that completed since the last look. The
     * first look only notes where the schedule stands: runs start with the next interval, not the past.
     * After downtime every missed interval gets its run ({@code catchup}), at most {@code maxCatchup}
     * of the latest; without catch-up only the latest.
     */
    public int createScheduledRuns(Dag dag, int maxCatchup) {
        if (dag.schedule().isEmpty()) {
            return 0;
        }
        var cron = dag.schedule().get();
        Instant now = clock.instant();
        return db.inTransaction(c -> {
            Instant nextStart;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT next_interval_start FROM orchestrator.dag_schedules WHERE dag_id = ? FOR UPDATE")) {
                s.setString(1, dag.id());
                try (ResultSet rs = s.executeQuery()) {
                    nextStart = rs.next() ? rs.getTimestamp(1).toInstant() : null;
                }
            }
            if (nextStart == null) {
                Instant first = cron.latestCompleteInterval(now, dag.zone()).map(DataInterval::end)
                        .orElseGet(() -> cron.next(now, dag.zone()));
                try (PreparedStatement s = c.prepareStatement("INSERT INTO orchestrator.dag_schedules "
                        + "(dag_id, next_interval_start) VALUES (?, ?) ON CONFLICT (dag_id) DO NOTHING")) {
                    s.setString(1, dag.id());
                    s.setTimestamp(2, Timestamp.from(first));
                    s.executeUpdate();
                }
                return 0;
            }
            Deque<DataInterval> due = new ArrayDeque<>();
            Instant start = nextStart;
            for (Instant end = cron.next(start, dag.zone()); !end.isAfter(now); end = cron.next(start, dag.zone())) {
                due.addLast(new DataInterval(start, end));
                if (due.size() > (dag.catchup() ? maxCatchup : 1)) {
                    due.removeFirst();
                }
                start = end;
            }
            int created = 0;
            for (DataInterval interval : due) {
                created += insertRun(c, dag.id(), interval, "scheduled").isPresent() ? 1 : 0;
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.dag_schedules "
                    + "SET next_interval_start = ?, updated_at = now() WHERE dag_id = ?")) {
                s.setTimestamp(1, Timestamp.from(start));
                s.setString(2, dag.id());
                s.executeUpdate();
            }
            return created;
        });
    }

    // ---- runs by request ------------------------------------------------------------------------------------

    /** A manual run for {@code interval}; refuses when the DAG already has a run for it. */
    public DagRun trigger(Dag dag, DataInterval interval) {
        return db.inTransaction(c -> {
            Optional<Long> id = insertRun(c, dag.id(), interval, "manual");
            if (id.isEmpty()) {
                DagRun existing = findRun(c, dag.id(), interval.start()).orElseThrow();
                throw new IllegalStateException("DAG " + dag.id() + " already has a run for " + existing.date()
                        + " (" + existing.state() + "); re-run it with: ./platform dags clear " + dag.id()
                        + " --date " + existing.date());
            }
            return run(c, id.get());
        });
    }

    /** Backfill runs for every interval given, in date order; intervals that already have a run keep it. */
    public List<DagRun> backfill(Dag dag, List<DataInterval> intervals) {
        return db.inTransaction(c -> {
            List<DagRun> runs = new ArrayList<>();
            for (DataInterval interval : intervals) {
                insertRun(c, dag.id(), interval, "backfill");
                runs.add(findRun(c, dag.id(), interval.start()).orElseThrow());
            }
            return runs;
        });
    }

    /**
     * Clears a finished run's task ({@code taskId}, or every failed task when null) and everything
     * downstream of it, so they run again; the run is queued again and keeps its attempt history.
     */
    public DagRun clear(Dag dag, Instant logicalDate, String taskId) {
        return db.inTransaction(c -> {
            DagRun run = findRun(c, dag.id(), logicalDate).orElseThrow(() -> new IllegalArgumentException(
                    "DAG " + dag.id() + " has no run for " + dateOf(dag, logicalDate)));
            lockRun(c, run.runId());
            Map<String, TaskInstance> tis = taskInstances(c, run.runId());
            Set<String> targets = new TreeSet<>();
            if (taskId != null) {
                dag.task(taskId);
                targets.add(taskId);
            } else {
                tis.values().stream().filter(t -> t.state().equals("failed") || t.state().equals("upstream_failed"))
                        .forEach(t -> targets.add(t.taskId()));
            }
            if (targets.isEmpty()) {
                throw new IllegalStateException("Nothing to clear: no task of the " + run.date() + " run of " + dag.id()
                        + " failed (name one with --task)");
            }
            for (String t : List.copyOf(targets)) {
                targets.addAll(dag.downstreamOf(t));
            }
            for (String t : targets) {
                TaskInstance ti = tis.get(t);
                if (ti != null && (ti.state().equals("running") || ti.state().equals("scheduled")
                        || ti.state().equals("up_for_retry"))) {
                    throw new IllegalStateException("Task " + t + " of the " + run.date() + " run of " + dag.id()
                            + " is " + ti.state() + "; clear it once it has finished");
                }
                try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.task_instances SET state = 'none', "
                        + "max_tries = try_number + ?, next_try_at = NULL WHERE run_id = ? AND task_id = ?")) {
                    s.setInt(1, dag.task(t).maxTries());
                    s.setLong(2, run.runId());
                    s.setString(3, t);
                    s.executeUpdate();
                }
            }
            if (run.state().equals("running")) {
                // Other tasks of the run are still going: it stays running, and the cleared tasks whose
                // upstream is done are scheduled now (their executions are created by the next tick).
                advance(c, dag, run.runId());
            } else {
                try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.dag_runs SET state = 'queued', "
                        + "reason = NULL, ended_at = NULL WHERE run_id = ?")) {
                    s.setLong(1, run.runId());
                    s.executeUpdate();
                }
            }
            return run(c, run.runId());
        });
    }

    // ---- the scheduler's steps ------------------------------------------------------------------------------

    /** Starts queued runs of {@code dag}, oldest logical date first, while fewer than its limit are running. */
    public List<AttemptDue> startQueuedRuns(Dag dag) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                s.setString(1, "orchestrator.dag:" + dag.id());
                s.execute();
            }
            int running = count(c, "SELECT count(*) FROM orchestrator.dag_runs WHERE dag_id = ? AND state = 'running'",
                    dag.id());
            List<Long> toStart = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT run_id FROM orchestrator.dag_runs "
                    + "WHERE dag_id = ? AND state = 'queued' ORDER BY logical_date LIMIT ?")) {
                s.setString(1, dag.id());
                s.setInt(2, Math.max(0, dag.maxActiveRuns() - running));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        toStart.add(rs.getLong(1));
                    }
                }
            }
            List<AttemptDue> due = new ArrayList<>();
            for (long runId : toStart) {
                lockRun(c, runId);
                try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.dag_runs SET state = 'running', "
                        + "started_at = coalesce(started_at, now()) WHERE run_id = ?")) {
                    s.setLong(1, runId);
                    s.executeUpdate();
                }
                due.addAll(advance(c, dag, runId));
            }
            return due;
        });
    }

    /** Attempts that should exist for running runs: repairs a crash between a commit and scheduling. */
    public List<AttemptDue> pendingAttempts() {
        return db.inTransaction(c -> {
            List<AttemptDue> due = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT ti.run_id, ti.task_id, ti.try_number, ti.next_try_at, "
                    + "r.dag_id FROM orchestrator.task_instances ti JOIN orchestrator.dag_runs r ON r.run_id = ti.run_id "
                    + "WHERE r.state = 'running' AND ti.state IN ('scheduled', 'up_for_retry')");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    if (dags.find(rs.getString(5)).isEmpty()) {
                        continue;   // a DAG this instance does not know: left to the instances that do
                    }
                    Timestamp at = rs.getTimestamp(4);
                    due.add(new AttemptDue(rs.getLong(1), rs.getString(2), rs.getInt(3) + 1,
                            at == null ? clock.instant() : at.toInstant()));
                }
            }
            return due;
        });
    }

    /** What {@link #beginAttempt} decided. */
    public sealed interface Begin {
        /** Start the process: the attempt is recorded as running. */
        record Started(long attemptId, DagRun run, DagTask task) implements Begin {}

        /** The attempt is no longer wanted (already run, cleared, or its run finished). */
        record Stale() implements Begin {}

        /** The task's pool has no free slot: ask again later. */
        record PoolFull(String pool) implements Begin {}
    }

    public Begin beginAttempt(long runId, String taskId, int tryNumber, Map<String, Integer> poolSlots,
                              String scheduler, String host, String logFile) {
        return db.inTransaction(c -> {
            if (!lockRun(c, runId)) {
                return new Begin.Stale();
            }
            DagRun run = run(c, runId);
            Optional<Dag> dag = dags.find(run.dagId());
            TaskInstance ti = taskInstances(c, runId).get(taskId);
            if (!run.state().equals("running") || dag.isEmpty() || ti == null
                    || !(ti.state().equals("scheduled") || ti.state().equals("up_for_retry"))
                    || ti.tryNumber() != tryNumber - 1) {
                return new Begin.Stale();
            }
            DagTask task = dag.get().task(taskId);
            String pool = task.pool().orElse(null);
            if (pool != null) {
                try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    s.setString(1, "orchestrator.pool:" + pool);
                    s.execute();
                }
                int used = count(c, "SELECT count(*) FROM orchestrator.task_attempts WHERE state = 'running' AND pool = ?",
                        pool);
                if (used >= poolSlots.getOrDefault(pool, 1)) {
                    return new Begin.PoolFull(pool);
                }
            }
            long attemptId;
            try (PreparedStatement s = c.prepareStatement("INSERT INTO orchestrator.task_attempts (run_id, task_id, "
                    + "try_number, state, pool, scheduler, host, command, log_file, started_at) "
                    + "VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?) RETURNING attempt_id")) {
                s.setLong(1, runId);
                s.setString(2, taskId);
                s.setInt(3, tryNumber);
                s.setString(4, pool);
                s.setString(5, scheduler);
                s.setString(6, host);
                s.setString(7, String.join(" ", task.commandFor(run.date())));
                s.setString(8, logFile);
                s.setTimestamp(9, Timestamp.from(clock.instant()));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    attemptId = rs.getLong(1);
                }
            }
            try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.task_instances SET state = 'running', "
                    + "try_number = ?, next_try_at = NULL WHERE run_id = ? AND task_id = ?")) {
                s.setInt(1, tryNumber);
                s.setLong(2, runId);
                s.setString(3, taskId);
                s.executeUpdate();
            }
            return new Begin.Started(attemptId, run, task);
        });
    }

    public void recordProcess(long attemptId, long pid, Instant processStart) {
        db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE orchestrator.task_attempts SET pid = ?, pid_started_at = ? WHERE attempt_id = ?")) {
                s.setLong(1, pid);
                s.setTimestamp(2, processStart == null ? null : Timestamp.from(processStart));
                s.setLong(3, attemptId);
                s.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Records how an attempt ended and moves its run on: the task succeeds, waits for its next try
     * (exponential backoff), or fails for good and stops everything downstream. An attempt already
     * ended (e.g. declared dead meanwhile) is left as it is.
     */
    public List<AttemptDue> finishAttempt(long attemptId, Integer exitCode, String error) {
        return db.inTransaction(c -> {
            TaskAttempt attempt = attempt(c, attemptId);
            lockRun(c, attempt.runId());
            attempt = attempt(c, attemptId);
            if (!attempt.state().equals("running")) {
                return List.of();
            }
            boolean success = exitCode != null && exitCode == 0 && error == null;
            Instant now = clock.instant();
            try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.task_attempts SET state = ?, exit_code = ?, "
                    + "error = ?, ended_at = ?, duration_ms = ? WHERE attempt_id = ?")) {
                s.setString(1, success ? "success" : "failed");
                if (exitCode == null) {
                    s.setNull(2, Types.INTEGER);
                } else {
                    s.setInt(2, exitCode);
                }
                s.setString(3, error);
                s.setTimestamp(4, Timestamp.from(now));
                s.setLong(5, Math.max(0, now.toEpochMilli() - attempt.startedAt().toEpochMilli()));
                s.setLong(6, attemptId);
                s.executeUpdate();
            }
            DagRun run = run(c, attempt.runId());
            Optional<Dag> dag = dags.find(run.dagId());
            TaskInstance ti = taskInstances(c, run.runId()).get(attempt.taskId());
            if (dag.isEmpty() || ti == null || !ti.state().equals("running") || ti.tryNumber() != attempt.tryNumber()) {
                return List.of();
            }
            List<AttemptDue> due = new ArrayList<>();
            if (success) {
                setTaskState(c, run.runId(), ti.taskId(), "success", null);
            } else if (ti.tryNumber() < ti.maxTries() && dag.get().task(ti.taskId()).retriesAfter(exitCode)) {
                Instant at = now.plus(dag.get().task(ti.taskId()).retry().delayAfter(ti.tryNumber()));
                setTaskState(c, run.runId(), ti.taskId(), "up_for_retry", at);
                due.add(new AttemptDue(run.runId(), ti.taskId(), ti.tryNumber() + 1, at));
            } else {
                setTaskState(c, run.runId(), ti.taskId(), "failed", null);
                String why = "task " + ti.taskId() + " failed after " + ti.tryNumber()
                        + (ti.tryNumber() == 1 ? " try" : " tries") + ": "
                        + (error != null ? error : "exit code " + exitCode);
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE orchestrator.dag_runs SET reason = coalesce(reason, ?) WHERE run_id = ?")) {
                    s.setString(1, why);
                    s.setLong(2, run.runId());
                    s.executeUpdate();
                }
            }
            due.addAll(advance(c, dag.get(), run.runId()));
            return due;
        });
    }

    /** The attempt of try {@code tryNumber} still marked running, if any. */
    public Optional<TaskAttempt> runningAttempt(long runId, String taskId, int tryNumber) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + ATTEMPT_COLUMNS + " FROM orchestrator.task_attempts "
                    + "WHERE run_id = ? AND task_id = ? AND try_number = ? AND state = 'running'")) {
                s.setLong(1, runId);
                s.setString(2, taskId);
                s.setInt(3, tryNumber);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? Optional.of(attempt(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Where the process of an attempt was started: pid and its start time, to recognise it later. */
    public Optional<Instant> processStart(long attemptId) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT pid_started_at FROM orchestrator.task_attempts WHERE attempt_id = ?")) {
                s.setLong(1, attemptId);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() && rs.getTimestamp(1) != null ? Optional.of(rs.getTimestamp(1).toInstant())
                            : Optional.empty();
                }
            }
        });
    }

    /**
     * Moves a run on: tasks whose upstream all succeeded become scheduled, tasks behind a failure
     * become upstream_failed, and a run whose tasks have all ended gets its final state.
     */
    private List<AttemptDue> advance(Connection c, Dag dag, long runId) throws SQLException {
        Map<String, TaskInstance> tis = taskInstances(c, runId);
        for (DagTask task : dag.tasks()) {
            if (!tis.containsKey(task.id())) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO orchestrator.task_instances "
                        + "(run_id, task_id, state, max_tries) VALUES (?, ?, 'none', ?) ON CONFLICT DO NOTHING")) {
                    s.setLong(1, runId);
                    s.setString(2, task.id());
                    s.setInt(3, task.maxTries());
                    s.executeUpdate();
                }
                tis.put(task.id(), new TaskInstance(runId, task.id(), "none", 0, task.maxTries(), null));
            }
        }
        List<AttemptDue> due = new ArrayList<>();
        Instant now = clock.instant();
        for (String taskId : dag.taskOrder()) {
            TaskInstance ti = tis.get(taskId);
            if (!ti.state().equals("none")) {
                continue;
            }
            List<String> upstreamStates = dag.task(taskId).upstream().stream().map(u -> tis.get(u).state()).toList();
            String next = null;
            if (upstreamStates.stream().anyMatch(st -> st.equals("failed") || st.equals("upstream_failed"))) {
                next = "upstream_failed";
            } else if (upstreamStates.stream().allMatch(st -> st.equals("success"))) {
                next = "scheduled";
                due.add(new AttemptDue(runId, taskId, ti.tryNumber() + 1, now));
            }
            if (next != null) {
                setTaskState(c, runId, taskId, next, null);
                tis.put(taskId, new TaskInstance(runId, taskId, next, ti.tryNumber(), ti.maxTries(), null));
            }
        }
        if (tis.values().stream().allMatch(TaskInstance::terminal)) {
            boolean success = tis.values().stream().allMatch(t -> t.state().equals("success"));
            try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.dag_runs SET state = ?, ended_at = ? "
                    + "WHERE run_id = ? AND state = 'running'")) {
                s.setString(1, success ? "success" : "failed");
                s.setTimestamp(2, Timestamp.from(now));
                s.setLong(3, runId);
                s.executeUpdate();
            }
        }
        return due;
    }

    /**
     * Whether some scheduler instance is working on this database: the recurring tick is re-planned on
     * every pass, so a tick due long ago means no instance is picking it up.
     */
    public boolean schedulerActive(java.time.Duration within) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT count(*) FROM orchestrator.scheduled_tasks "
                    + "WHERE task_name = 'orchestrator-tick' AND (execution_time > ? OR (picked AND last_heartbeat > ?))")) {
                Timestamp since = Timestamp.from(clock.instant().minus(within));
                s.setTimestamp(1, since);
                s.setTimestamp(2, since);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) > 0;
                }
            }
        });
    }

    // ---- reading the history --------------------------------------------------------------------------------

    /** The latest runs, newest logical date first; all DAGs when {@code dagId} is null. */
    public List<DagRun> runs(String dagId, int limit) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM orchestrator.dag_runs "
                    + (dagId == null ? "" : "WHERE dag_id = ? ") + "ORDER BY logical_date DESC, run_id DESC LIMIT ?")) {
                int i = 1;
                if (dagId != null) {
                    s.setString(i++, dagId);
                }
                s.setInt(i, limit);
                List<DagRun> runs = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        runs.add(run(rs));
                    }
                }
                return runs;
            }
        });
    }

    public Optional<DagRun> findRun(String dagId, Instant logicalDate) {
        return db.inTransaction(c -> findRun(c, dagId, logicalDate));
    }

    public DagRun run(long runId) {
        return db.inTransaction(c -> run(c, runId));
    }

    public Optional<DagRun> findRun(long runId) {
        return db.inTransaction(c -> lockRun(c, runId) ? Optional.of(run(c, runId)) : Optional.empty());
    }

    /** The run's tasks in the DAG's order. */
    public List<TaskInstance> tasks(long runId) {
        return db.inTransaction(c -> List.copyOf(taskInstances(c, runId).values()));
    }

    public List<TaskAttempt> attempts(long runId) {
        return db.inTransaction(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + ATTEMPT_COLUMNS + " FROM orchestrator.task_attempts "
                    + "WHERE run_id = ? ORDER BY started_at, attempt_id")) {
                s.setLong(1, runId);
                List<TaskAttempt> attempts = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        attempts.add(attempt(rs));
                    }
                }
                return attempts;
            }
        });
    }

    // ---- rows -----------------------------------------------------------------------------------------------

    private Optional<Long> insertRun(Connection c, String dagId, DataInterval interval, String type) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO orchestrator.dag_runs (dag_id, logical_date, "
                + "interval_end, run_type, state) VALUES (?, ?, ?, ?, 'queued') "
                + "ON CONFLICT (dag_id, logical_date) DO NOTHING RETURNING run_id")) {
            s.setString(1, dagId);
            s.setTimestamp(2, Timestamp.from(interval.start()));
            s.setTimestamp(3, Timestamp.from(interval.end()));
            s.setString(4, type);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    private Optional<DagRun> findRun(Connection c, String dagId, Instant logicalDate) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM orchestrator.dag_runs "
                + "WHERE dag_id = ? AND logical_date = ?")) {
            s.setString(1, dagId);
            s.setTimestamp(2, Timestamp.from(logicalDate));
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(run(rs)) : Optional.empty();
            }
        }
    }

    private DagRun run(Connection c, long runId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM orchestrator.dag_runs WHERE run_id = ?")) {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("No DAG run " + runId);
                }
                return run(rs);
            }
        }
    }

    private boolean lockRun(Connection c, long runId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT run_id FROM orchestrator.dag_runs WHERE run_id = ? FOR UPDATE")) {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Map<String, TaskInstance> taskInstances(Connection c, long runId) throws SQLException {
        Map<String, TaskInstance> byTask = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT run_id, task_id, state, try_number, max_tries, next_try_at "
                + "FROM orchestrator.task_instances WHERE run_id = ?")) {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Timestamp next = rs.getTimestamp(6);
                    byTask.put(rs.getString(2), new TaskInstance(rs.getLong(1), rs.getString(2), rs.getString(3),
                            rs.getInt(4), rs.getInt(5), next == null ? null : next.toInstant()));
                }
            }
        }
        String dagId = run(c, runId).dagId();
        Optional<Dag> dag = dags.find(dagId);
        if (dag.isEmpty()) {
            return byTask;
        }
        Map<String, TaskInstance> ordered = new LinkedHashMap<>();
        dag.get().taskOrder().forEach(t -> {
            if (byTask.containsKey(t)) {
                ordered.put(t, byTask.get(t));
            }
        });
        byTask.forEach(ordered::putIfAbsent);
        return ordered;
    }

    private void setTaskState(Connection c, long runId, String taskId, String state, Instant nextTryAt) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE orchestrator.task_instances SET state = ?, next_try_at = ? "
                + "WHERE run_id = ? AND task_id = ?")) {
            s.setString(1, state);
            s.setTimestamp(2, nextTryAt == null ? null : Timestamp.from(nextTryAt));
            s.setLong(3, runId);
            s.setString(4, taskId);
            s.executeUpdate();
        }
    }

    private TaskAttempt attempt(Connection c, long attemptId) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + ATTEMPT_COLUMNS
                + " FROM orchestrator.task_attempts WHERE attempt_id = ?")) {
            s.setLong(1, attemptId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("No task attempt " + attemptId);
                }
                return attempt(rs);
            }
        }
    }

    private static int count(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, arg);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private DagRun run(ResultSet rs) throws SQLException {
        String dagId = rs.getString(2);
        Instant logical = rs.getTimestamp(3).toInstant();
        return new DagRun(rs.getLong(1), dagId, dateOf(dags.find(dagId).orElse(null), logical), logical,
                rs.getTimestamp(4).toInstant(), rs.getString(5), rs.getString(6), rs.getString(7),
                instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)));
    }

    private static TaskAttempt attempt(ResultSet rs) throws SQLException {
        long pid = rs.getLong(9);
        boolean noPid = rs.wasNull();
        int exit = rs.getInt(12);
        boolean noExit = rs.wasNull();
        long duration = rs.getLong(16);
        boolean noDuration = rs.wasNull();
        return new TaskAttempt(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), noPid ? null : pid, rs.getString(10),
                rs.getString(11), noExit ? null : exit, rs.getString(13), instant(rs.getTimestamp(14)),
                instant(rs.getTimestamp(15)), noDuration ? null : duration);
    }

    static LocalDate dateOf(Dag dag, Instant logicalDate) {
        return logicalDate.atZone(dag == null ? java.time.ZoneOffset.UTC : dag.zone()).toLocalDate();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
