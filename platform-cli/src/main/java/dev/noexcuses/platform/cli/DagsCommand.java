package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.orchestrator.DagScheduler;
import dev.noexcuses.orchestrator.OrchestratorSettings;
import dev.noexcuses.orchestrator.airflow.AirflowExport;
import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskAttempt;
import dev.noexcuses.orchestrator.run.TaskInstance;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform dags list|runs|trigger|backfill|clear|export}: the orchestrator's DAGs and their runs. */
@Command(name = "dags", description = "DAGs of platform jobs on schedules: their runs, triggers, backfills, and an Airflow export.",
        subcommands = {DagsCommand.ListDags.class, DagsCommand.Runs.class, DagsCommand.Trigger.class,
                DagsCommand.Backfill.class, DagsCommand.Clear.class, DagsCommand.Export.class})
final class DagsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The configured PostgreSQL, else the running platform's embedded one. */
    static Config resolve(ConfigOptions options) throws IOException {
        Config config = options.load();
        Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive);
        Map<String, String> fromRunning = new LinkedHashMap<>();
        state.ifPresent(s -> s.serviceConfig().forEach((key, value) -> {
            if (key.startsWith("postgres.") && (!config.hasPath(key) || config.getString(key).isBlank())) {
                fromRunning.put(key, value);
            }
        }));
        return ConfigFactory.parseMap(fromRunning).withFallback(config);
    }

    static Database open(Config config) {
        return Database.open(config, 3);
    }

    @Command(name = "list", description = "The DAGs: schedule, tasks and their order, retries, pools, the latest run.")
    static final class ListDags implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            DagCatalog dags = DagCatalog.shipped();
            Map<String, DagRun> latest = new HashMap<>();
            try (Database db = open(resolve(options))) {
                DagRuns runs = new DagRuns(db, dags, Clock.systemUTC());
                dags.all().forEach(d -> runs.runs(Optional.of(d.id()), 1).forEach(r -> latest.put(d.id(), r)));
            } catch (RuntimeException e) {
                System.out.println("(run history not available: " + e.getMessage() + ")");
            }
            for (Dag dag : dags.all()) {
                System.out.printf("%s  %s%n", dag.id(), dag.description());
                System.out.printf("  schedule     %s%n", dag.schedule().map(s -> s.expression() + " (" + dag.zone() + ")"
                        + (dag.catchup() ? ", catches up missed intervals" : "")).orElse("none: triggered only"));
                System.out.printf("  max active   %d run(s)%n", dag.maxActiveRuns());
                System.out.println("  tasks");
                for (String id : dag.taskOrder()) {
                    DagTask t = dag.task(id);
                    System.out.printf("    %-12s %s%n", t.id(), String.join(" ", t.command()));
                    System.out.printf("    %-12s after %s; retries %d (from %s, doubling to %s); timeout %s%s%n", "",
                            t.upstream().isEmpty() ? "nothing" : String.join(", ", t.upstream()), t.retry().retries(),
                            human(t.retry().delay()), human(t.retry().maxDelay()), human(t.timeout()),
                            t.pool().map(p -> "; pool " + p).orElse(""));
                }
                DagRun last = latest.get(dag.id());
                System.out.printf("  latest run   %s%n", last == null ? "none" : last.date() + " " + last.state()
                        + (last.reason() == null ? "" : ": " + last.reason()));
                System.out.println();
            }
            return 0;
        }
    }

    @Command(name = "runs", description = "Run history, newest first: each run's state and tasks; with --date, every attempt.")
    static final class Runs implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "DAG", arity = "0..1", description = "Only this DAG's runs.")
        String dagId;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "One run, with its attempts (needs DAG).")
        LocalDate date;

        @Option(names = "--limit", defaultValue = "20", description = "Most runs shown (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "Print JSON for machines: runs, tasks, attempts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (Database db = open(resolve(options))) {
                DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
                List<DagRun> selected;
                if (date != null) {
                    if (dagId == null) {
                        throw new IllegalArgumentException("--date needs a DAG: ./platform dags runs DAG --date " + date);
                    }
                    selected = runs.run(dagId, date).map(List::of).orElse(List.of());
                } else {
                    selected = runs.runs(Optional.ofNullable(dagId), limit);
                }
                if (json) {
                    ArrayNode out = Json.mapper().createArrayNode();
                    for (DagRun r : selected) {
                        ObjectNode node = Json.mapper().valueToTree(r);
                        node.set("tasks", Json.mapper().valueToTree(runs.tasks(r)));
                        node.set("attempts", Json.mapper().valueToTree(runs.attempts(r)));
                        out.add(node);
                    }
                    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                    return 0;
                }
                if (selected.isEmpty()) {
                    System.out.println("No runs" + (dagId == null ? "" : " of " + dagId) + (date == null ? "" : " for " + date)
                            + ". Start one: ./platform dags trigger DAG --date YYYY-MM-DD");
                    return 0;
                }
                System.out.printf("%-18s %-10s %-9s %-8s %-20s %9s  %s%n", "DAG", "DATE", "TYPE", "STATE", "STARTED",
                        "DURATION", "TASKS");
                for (DagRun r : selected) {
                    System.out.printf("%-18s %-10s %-9s %-8s %-20s %9s  %s%n", r.dagId(), r.date(), r.runType(), r.state(),
                            r.startedAt() == null ? "-" : r.startedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                            duration(r.startedAt(), r.endedAt()), tasksLine(runs.tasks(r)));
                    if (r.reason() != null) {
                        System.out.printf("%18s %s%n", "why:", r.reason());
                    }
                    if (date != null) {
                        for (TaskAttempt a : runs.attempts(r)) {
                            System.out.printf("    %-12s try %d  %-8s exit %-4s %9s  on %s%n", a.taskId(), a.tryNumber(),
                                    a.state(), a.exitCode() == null ? "-" : a.exitCode(),
                                    a.durationMs() == null ? "-" : human(Duration.ofMillis(a.durationMs())), a.scheduler());
                            System.out.printf("    %-12s $ %s%n", "", a.command());
                            System.out.printf("    %-12s log %s%n", "", a.logFile());
                            if (a.error() != null) {
                                System.out.printf("    %-12s error %s%n", "", a.error());
                            }
                        }
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "trigger", description = "Queue a run of a DAG for one day (default: its latest complete interval).")
    static final class Trigger implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "DAG")
        String dagId;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The logical date the run covers.")
        LocalDate date;

        @Option(names = "--wait", description = "Wait for the run to finish, showing progress (runs a scheduler here if none is running).")
        boolean await;

        @Override
        public Integer call() throws Exception {
            Config config = resolve(options);
            try (Database db = open(config)) {
                DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
                DagRun run = runs.trigger(dagId, Optional.ofNullable(date));
                System.out.printf("Queued %s for %s (run %d)%n", run.dagId(), run.date(), run.runId());
                if (!await) {
                    if (!runs.schedulerActive()) {
                        System.out.println("No scheduler is running on this database: start ./platform up, or trigger with --wait");
                    }
                    return 0;
                }
                return new Progress(runs, config, db).follow(List.of(run)) ? 0 : 1;
            }
        }
    }

    @Command(name = "backfill", description = {"Runs of a DAG for every day from --from to --to, in date order, with progress.",
            "Days that already have a run keep it (clear them to run again)."})
    static final class Backfill implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "DAG")
        String dagId;

        @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate from;

        @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate to;

        @Option(names = "--no-wait", description = "Queue the runs and return.")
        boolean noWait;

        @Override
        public Integer call() throws Exception {
            Config config = resolve(options);
            try (Database db = open(config)) {
                DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
                List<DagRun> backfill = runs.backfill(dagId, from, to);
                long existing = backfill.stream().filter(r -> !r.runType().equals("backfill")).count();
                System.out.printf("Backfill of %s from %s to %s: %d run(s)%s%n", dagId, from, to, backfill.size(),
                        existing == 0 ? "" : " (" + existing + " day(s) already had a run, kept as they are)");
                if (noWait) {
                    return 0;
                }
                return new Progress(runs, config, db).follow(backfill) ? 0 : 1;
            }
        }
    }

    @Command(name = "clear", description = "Clear a run's failed tasks (or --task and what follows it) so they run again.")
    static final class Clear implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "DAG")
        String dagId;

        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Option(names = "--task", paramLabel = "TASK", description = "This task and its downstream tasks (default: the failed ones).")
        String task;

        @Override
        public Integer call() throws Exception {
            try (Database db = open(resolve(options))) {
                DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
                DagRun run = runs.clear(dagId, date, Optional.ofNullable(task));
                System.out.printf("Cleared %s %s: %s; the run is queued again%n", run.dagId(), run.date(),
                        tasksLine(runs.tasks(run)));
                if (!runs.schedulerActive()) {
                    System.out.println("No scheduler is running on this database: start ./platform up");
                }
            }
            return 0;
        }
    }

    @Command(name = "export", description = "Write each DAG as an Airflow DAG file (BashOperator tasks running the same commands).")
    static final class Export implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--airflow", required = true, paramLabel = "DIR", description = "Folder for the DAG files (e.g. Airflow's dags/).")
        Path dir;

        @Option(names = "--platform", paramLabel = "PATH",
                description = "The ./platform command as the Airflow workers see it (default: this installation's).")
        Path platform;

        @Override
        public Integer call() throws Exception {
            Config config = options.load();
            Path command = platform != null ? platform
                    : Path.of(config.getString("platform.home")).toAbsolutePath().normalize().resolve("platform");
            List<Path> files = new AirflowExport(command, LocalDate.now(ZoneOffset.UTC)).write(DagCatalog.shipped().all(), dir);
            files.forEach(f -> System.out.println("Wrote " + f));
            System.out.println("Tasks call " + command + " (override with NOEXCUSES_PLATFORM on the workers); "
                    + "create the pools named in the files first (airflow pools set spark 1 spark).");
            return 0;
        }
    }

    /** Follows runs to the end, printing each change; runs a scheduler in this process when none is running. */
    record Progress(DagRuns runs, Config config, Database db) {
        boolean follow(List<DagRun> watched) throws InterruptedException {
            DagScheduler local = null;
            if (!runs.schedulerActive()) {
                System.out.println("No scheduler is running on this database: running one in this process until done");
                local = DagScheduler.start(OrchestratorSettings.from(config), db, runs.dags());
            }
            try {
                Map<Long, String> shown = new HashMap<>();
                Instant start = Instant.now();
                while (true) {
                    List<DagRun> now = new ArrayList<>();
                    for (DagRun r : watched) {
                        now.add(runs.refresh(r));
                    }
                    long done = now.stream().filter(DagRun::finished).count();
                    for (DagRun r : now) {
                        String line = r.state() + "  " + tasksLine(runs.tasks(r));
                        if (!line.equals(shown.put(r.runId(), line)) && !r.state().equals("queued")) {
                            System.out.printf("[%d/%d] %s %s %s%s%n", done, now.size(), r.dagId(), r.date(), line,
                                    r.reason() == null ? "" : "\n        why: " + r.reason());
                        }
                    }
                    if (done == now.size()) {
                        long ok = now.stream().filter(r -> r.state().equals("success")).count();
                        System.out.printf("Done in %s: %d succeeded, %d failed. Details: ./platform dags runs %s --date DAY%n",
                                human(Duration.between(start, Instant.now())), ok, now.size() - ok, now.get(0).dagId());
                        return ok == now.size();
                    }
                    Thread.sleep(1000);
                }
            } finally {
                if (local != null) {
                    local.close();
                }
            }
        }
    }

    static String tasksLine(List<TaskInstance> tasks) {
        return tasks.stream().map(t -> t.taskId() + ":" + t.state() + (t.tryNumber() > 1 ? "(try " + t.tryNumber() + ")" : ""))
                .collect(Collectors.joining(" "));
    }

    private static String duration(Instant start, Instant end) {
        if (start == null) {
            return "-";
        }
        return human(Duration.between(start, end == null ? Instant.now() : end));
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return d.toMillis() < 10_000 && s < 10 ? String.format("%.1fs", d.toMillis() / 1000.0) : s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }
}
