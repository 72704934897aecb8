package dev.noexcuses.orchestrator;

import static java.util.Objects.requireNonNull;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.CustomTask;
import com.github.kagkarlsson.scheduler.task.helper.RecurringTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.github.kagkarlsson.scheduler.task.schedule.FixedDelay;
import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.exec.TaskProcess;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.RunStore;
import dev.noexcuses.orchestrator.run.RunStore.AttemptDue;
import dev.noexcuses.orchestrator.run.RunStore.Begin;
import dev.noexcuses.orchestrator.run.TaskAttempt;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduler instance. db-scheduler provides the clock and the cluster-safe claim: every task
 * attempt is one db-scheduler execution ({@code <run>/<task>/<try>}), picked by exactly one instance
 * and kept alive by its heartbeats; a recurring {@code orchestrator-tick} (run by one instance at a
 * time) creates runs from schedules, starts queued runs and repairs attempts a crash left unscheduled.
 * What a run and its tasks are is decided by {@link RunStore}, under PostgreSQL row locks.
 */
public final class DagScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DagScheduler.class);
    static final String ATTEMPT_TASK = "task-attempt";
    static final String TICK_TASK = "orchestrator-tick";
    private static final Duration POOL_WAIT = Duration.ofSeconds(2);

    private final OrchestratorSettings settings;
    private final DagCatalog dags;
    private final RunStore store;
    private final CustomTask<Void> attemptTask;
    private final Scheduler scheduler;
    private final Map<Long, ProcessHandle> running = new ConcurrentHashMap<>();
    private final AtomicLong ticks = new AtomicLong();
    private volatile boolean stopping;

    private DagScheduler(OrchestratorSettings settings, Database db, DagCatalog dags) {
        this.settings = requireNonNull(settings, "settings is null");
        this.dags = requireNonNull(dags, "dags is null");
        this.store = new RunStore(db, dags, Clock.systemUTC());
        this.attemptTask = Tasks.custom(ATTEMPT_TASK, Void.class)
                .onFailureReschedule(FixedDelay.of(settings.pollInterval().multipliedBy(2)))
                .onDeadExecution(this::onDeadAttempt)
                .execute(this::runAttempt);
        RecurringTask<Void> tick = Tasks.recurring(TICK_TASK, FixedDelay.of(settings.pollInterval()))
                .execute((instance, ctx) -> tick(ctx.getSchedulerClient()));
        this.scheduler = Scheduler.create(db.dataSource(), List.of(attemptTask))
                .startTasks(tick)
                .tableName(Database.SCHEMA + ".scheduled_tasks")
                .schedulerName(new SchedulerName.Fixed(settings.instanceName()))
                .threads(settings.threads() + 1)
                .pollingInterval(settings.pollInterval())
                .heartbeatInterval(settings.heartbeatInterval())
                .missedHeartbeatsLimit(settings.missedHeartbeats())
                .shutdownMaxWait(Duration.ofSeconds(30))
                .enableImmediateExecution()
                .build();
    }

    /** Starts a scheduler instance on {@code db} with the DAGs of {@code dags}. */
    public static DagScheduler start(OrchestratorSettings settings, Database db, DagCatalog dags) {
        DagScheduler s = new DagScheduler(settings, db, dags);
        s.scheduler.start();
        LOG.info("Scheduler {} started with DAGs {}", settings.instanceName(),
                dags.all().stream().map(Dag::id).toList());
        return s;
    }

    public String name() {
        return settings.instanceName();
    }

    public boolean isRunning() {
        return !stopping && scheduler.getSchedulerState().isStarted() && !scheduler.getSchedulerState().isShuttingDown();
    }

    /** Ticks done by this instance: proof of life for the health check and tests. */
    public long ticks() {
        return ticks.get();
    }

    public int runningAttempts() {
        return running.size();
    }

    /** One pass over the DAGs: new runs from schedules, queued runs started, lost attempts rescheduled. */
    private void tick(SchedulerClient client) {
        for (Dag dag : dags.all()) {
            try {
                int created = store.createScheduledRuns(dag, settings.maxCatchupRuns());
                if (created > 0) {
                    LOG.info("{}: {} scheduled run(s) created", dag.id(), created);
                }
                schedule(client, store.startQueuedRuns(dag));
            } catch (RuntimeException e) {
                LOG.warn("Scheduling {} failed: {}", dag.id(), e.toString());
            }
        }
        for (AttemptDue due : store.pendingAttempts()) {
            client.scheduleIfNotExists(instance(due), due.at());
        }
        ticks.incrementAndGet();
    }

    private CompletionHandler<Void> runAttempt(TaskInstance<Void> instance, ExecutionContext ctx) {
        AttemptDue id = parse(instance.getId());
        Optional<DagRun> wanted = store.findRun(id.runId());
        if (wanted.isEmpty() || dags.find(wanted.get().dagId()).isEmpty()) {
            return new CompletionHandler.OnCompleteRemove<>();
        }
        Path log = logFile(wanted.get(), id.taskId(), id.tryNumber());
        Begin begin = store.beginAttempt(id.runId(), id.taskId(), id.tryNumber(), settings.pools(),
                settings.instanceName(), settings.host(), log.toString());
        if (begin instanceof Begin.PoolFull) {
            return (complete, ops) -> ops.reschedule(complete, Instant.now().plus(POOL_WAIT));
        }
        if (!(begin instanceof Begin.Started started)) {
            return new CompletionHandler.OnCompleteRemove<>();
        }
        if (stopping) {
            schedule(ctx.getSchedulerClient(), store.finishAttempt(started.attemptId(), null,
                    "the scheduler was stopping"));
            return new CompletionHandler.OnCompleteRemove<>();
        }
        DagRun run = started.run();
        DagTask task = started.task();
        LOG.info("{} {} {} try {}: {}", run.dagId(), run.date(), task.id(), id.tryNumber(),
                String.join(" ", task.commandFor(run.date())));
        // A ./platform task runs the build the scheduler runs from; it never rebuilds the jars under it.
        Map<String, String> environment = task.runsPlatformCommand() ? Map.of("PLATFORM_NO_BUILD", "1") : Map.of();
        TaskProcess.Outcome outcome = TaskProcess.run(command(task, run), settings.platformHome(), environment, log,
                task.timeout(), process -> {
                    running.put(started.attemptId(), process);
                    store.recordProcess(started.attemptId(), process.pid(),
                            process.info().startInstant().orElse(null));
                });
        running.remove(started.attemptId());
        LOG.info("{} {} {} try {}: {}", run.dagId(), run.date(), task.id(), id.tryNumber(),
                outcome.succeeded() ? "success" : outcome.error());
        schedule(ctx.getSchedulerClient(), store.finishAttempt(started.attemptId(), outcome.exitCode(),
                outcome.error()));
        return new CompletionHandler.OnCompleteRemove<>();
    }

    /**
     * An attempt whose scheduler stopped heartbeating (SIGKILL, a frozen JVM): its process, when it
     * runs on this host, is killed with its group before anything else, so the retry never runs beside
     * it; then the attempt is recorded as failed and the task retried (or failed) like any failure.
     */
    private void onDeadAttempt(ExecutionComplete complete, ExecutionOperations<Void> ops) {
        AttemptDue id = parse(complete.getExecution().taskInstance.getId());
        Optional<TaskAttempt> attempt = store.runningAttempt(id.runId(), id.taskId(), id.tryNumber());
        if (attempt.isEmpty()) {
            ops.reschedule(complete, Instant.now());
            return;
        }
        TaskAttempt a = attempt.get();
        String killed = killOrphan(a);
        List<AttemptDue> due = store.finishAttempt(a.attemptId(), null, "scheduler " + a.scheduler()
                + " stopped sending heartbeats (no sign of life for " + settings.deadAfter().toSeconds() + " s)" + killed);
        LOG.warn("Attempt {} of {} (run {}) was left by scheduler {}: marked failed{}", id.tryNumber(), id.taskId(),
                id.runId(), a.scheduler(), killed);
        ops.remove();
        schedule(scheduler, due);
    }

    private String killOrphan(TaskAttempt a) {
        if (a.pid() == null || !a.host().equals(settings.host())) {
            return "";
        }
        Optional<ProcessHandle> process = ProcessHandle.of(a.pid());
        Optional<Instant> recordedStart = store.processStart(a.attemptId());
        if (process.isPresent() && process.get().isAlive()) {
            Optional<Instant> actualStart = process.get().info().startInstant();
            boolean same = recordedStart.isEmpty() || actualStart.isEmpty()
                    || Duration.between(recordedStart.get(), actualStart.get()).abs().toMillis() < 2000;
            if (same) {
                TaskProcess.killGroup(process.get());
                return "; its process " + a.pid() + " was still running and was killed with its children";
            }
            return "";
        }
        TaskProcess.killGroup(a.pid());
        return "";
    }

    private List<String> command(DagTask task, DagRun run) {
        List<String> command = new ArrayList<>(task.commandFor(run.date()));
        if (task.runsPlatformCommand()) {
            // The platform's own command line, on the data directory (and so the infrastructure) of this scheduler.
            command.set(0, settings.platformCommand().toString());
            command.add("--data-dir");
            command.add(settings.dataDir().toString());
        }
        return command;
    }

    private Path logFile(DagRun run, String taskId, int tryNumber) {
        return settings.logDir().resolve(run.dagId()).resolve(run.date().toString())
                .resolve(taskId + "." + tryNumber + ".log");
    }

    private void schedule(SchedulerClient client, List<AttemptDue> due) {
        for (AttemptDue d : due) {
            client.scheduleIfNotExists(instance(d), d.at());
        }
    }

    private TaskInstance<Void> instance(AttemptDue due) {
        return attemptTask.instance(due.runId() + "/" + due.taskId() + "/" + due.tryNumber());
    }

    static AttemptDue parse(String instanceId) {
        String[] parts = instanceId.split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("Invalid attempt id '" + instanceId + "': expected run/task/try");
        }
        return new AttemptDue(Long.parseLong(parts[0]), parts[1], Integer.parseInt(parts[2]), Instant.EPOCH);
    }

    /**
     * Stops this instance: attempts it is running are stopped with their process groups and recorded
     * as failed (they are retried by whichever instance runs next); their runs are not lost.
     */
    @Override
    public void close() {
        stopping = true;
        running.values().forEach(TaskProcess::killGroup);
        scheduler.stop();
        LOG.info("Scheduler {} stopped", settings.instanceName());
    }
}
