package dev.noexcuses.orchestrator.airflow;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Writes each DAG as an Airflow DAG file: the same schedule, time zone, catch-up, max active runs,
 * retries (exponential backoff), timeouts, pools and dependencies, each task a {@code BashOperator}
 * running the very same command, so the pipelines move to an Airflow installation unchanged.
 */
public final class AirflowExport {
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private final Path platformCommand;
    private final LocalDate startDate;

    /**
     * @param platformCommand what {@code ./platform} becomes in the files (overridable on the Airflow
     *                        side with the environment variable {@code NOEXCUSES_PLATFORM})
     * @param startDate       Airflow's {@code start_date}: runs begin after it, as ours begin when a
     *                        scheduler first sees a DAG
     */
    public AirflowExport(Path platformCommand, LocalDate startDate) {
        this.platformCommand = requireNonNull(platformCommand, "platformCommand is null");
        this.startDate = requireNonNull(startDate, "startDate is null");
    }

    /** Writes {@code <dag id>.py} per DAG into {@code dir}; returns the files written. */
    public List<Path> write(List<Dag> dags, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (Dag dag : dags) {
            Path file = dir.resolve(dag.id() + ".py");
            Files.writeString(file, python(dag), StandardCharsets.UTF_8);
            files.add(file);
        }
        return files;
    }

    String python(Dag dag) {
        StringBuilder py = new StringBuilder();
        TreeSet<String> pools = new TreeSet<>();
        dag.tasks().forEach(t -> t.pool().ifPresent(pools::add));
        py.append("# Airflow DAG written by `./platform dags export --airflow`: ").append(dag.id())
                .append(" of the No Excuses Data Platform.\n");
        py.append("# Each task runs the same command as the platform's own scheduler; edit the DAG in the platform's code\n");
        py.append("# and export again rather than editing this file.\n");
        if (!pools.isEmpty()) {
            py.append("# Pools used (create them first):");
            pools.forEach(p -> py.append(" airflow pools set ").append(p).append(" 1 \"").append(p).append("\";"));
            py.append('\n');
        }
        py.append("import os\nfrom datetime import timedelta\n\nimport pendulum\n");
        py.append("from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n");
        py.append("PLATFORM = os.environ.get(\"NOEXCUSES_PLATFORM\", ").append(str(platformCommand.toString()))
                .append(")\n\n");
        py.append("with DAG(\n");
        py.append("    dag_id=").append(str(dag.id())).append(",\n");
        py.append("    description=").append(str(dag.description())).append(",\n");
        py.append("    schedule=").append(dag.schedule().map(s -> str(s.expression())).orElse("None")).append(",\n");
        py.append("    start_date=pendulum.datetime(").append(startDate.getYear()).append(", ")
                .append(startDate.getMonthValue()).append(", ").append(startDate.getDayOfMonth()).append(", tz=")
                .append(str(dag.zone().getId())).append("),\n");
        py.append("    catchup=").append(dag.catchup() ? "True" : "False").append(",\n");
        py.append("    max_active_runs=").append(dag.maxActiveRuns()).append(",\n");
        py.append(") as dag:\n");
        for (String taskId : dag.taskOrder()) {
            DagTask t = dag.task(taskId);
            py.append("    ").append(t.id()).append(" = BashOperator(\n");
            py.append("        task_id=").append(str(t.id())).append(",\n");
            py.append("        bash_command=").append(bashCommand(t)).append(",\n");
            py.append("        retries=").append(t.retry().retries()).append(",\n");
            if (t.retry().retries() > 0) {
                py.append("        retry_delay=").append(timedelta(t.retry().delay())).append(",\n");
                py.append("        retry_exponential_backoff=True,\n");
                py.append("        max_retry_delay=").append(timedelta(t.retry().maxDelay())).append(",\n");
            }
            py.append("        execution_timeout=").append(timedelta(t.timeout())).append(",\n");
            t.pool().ifPresent(p -> py.append("        pool=").append(str(p)).append(",\n"));
            py.append("    )\n");
        }
        List<String> edges = new ArrayList<>();
        for (String taskId : dag.taskOrder()) {
            for (String up : dag.task(taskId).upstream()) {
                edges.add("    " + up + " >> " + taskId + "\n");
            }
        }
        if (!edges.isEmpty()) {
            py.append('\n');
            edges.forEach(py::append);
        }
        return py.toString();
    }

    /** The task's command as one bash line; {@code ./platform} becomes PLATFORM, {{ ds }} stays for Airflow's Jinja. */
    private static String bashCommand(DagTask task) {
        List<String> words = new ArrayList<>();
        List<String> command = task.command();
        for (int i = task.runsPlatformCommand() ? 1 : 0; i < command.size(); i++) {
            words.add(shellWord(command.get(i)));
        }
        String rest = String.join(" ", words);
        return task.runsPlatformCommand() ? "PLATFORM + " + str(" " + rest) : str(rest);
    }

    private static String shellWord(String arg) {
        if (SHELL_SAFE.matcher(arg.replace(DagTask.DS, "2026-01-01")).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    private static String timedelta(Duration d) {
        return "timedelta(seconds=" + d.toSeconds() + ")";
    }

    /** A Python string literal. */
    private static String str(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
