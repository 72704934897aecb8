package dev.noexcuses.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.orchestrator.airflow.AirflowExport;
import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported files are real Python: compiled with python3, then loaded against a stand-in
 * {@code airflow} package (test resources) that records what they declare, which must equal our DAGs.
 */
class AirflowExportTest {
    private static final Path PLATFORM = Path.of("/opt/noexcuses/platform");

    @TempDir
    Path dir;

    @Test
    void exportedDagFilesDeclareTheSameGraphScheduleRetriesTimeoutsPoolsAndCommands() throws Exception {
        List<Dag> dags = new ArrayList<>(DagCatalog.shipped().all());
        dags.addAll(TestDags.catalog(dir.resolve("work")).all());
        Path out = dir.resolve("airflow-dags");
        List<Path> files = new AirflowExport(PLATFORM, LocalDate.parse("2026-12-01")).write(dags, out);
        assertThat(files).hasSize(dags.size());

        for (Path file : files) {
            assertThat(python("-m", "py_compile", file.toString()).exitCode()).as("compiles: " + file).isZero();
        }
        Result loaded = python(Path.of(getClass().getResource("/airflow-standin/load_dags.py").toURI()).toString(),
                out.toString());
        assertThat(loaded.exitCode()).as(loaded.output()).isZero();
        Map<String, JsonNode> declared = new HashMap<>();
        Json.mapper().readTree(loaded.output()).forEach(d -> declared.put(d.get("dag_id").asText(), d));

        assertThat(declared.keySet()).containsExactlyInAnyOrderElementsOf(dags.stream().map(Dag::id).toList());
        for (Dag dag : dags) {
            JsonNode d = declared.get(dag.id());
            assertThat(d.get("schedule").isNull() ? null : d.get("schedule").asText()).as(dag.id())
                    .isEqualTo(dag.schedule().map(s -> s.expression()).orElse(null));
            assertThat(d.get("timezone").asText()).isEqualTo(dag.zone().getId());
            assertThat(d.get("catchup").asBoolean()).isEqualTo(dag.catchup());
            assertThat(d.get("max_active_runs").asInt()).isEqualTo(dag.maxActiveRuns());
            assertThat(d.get("start_date").asText()).isEqualTo("2026-12-01");
            assertThat(names(d.get("tasks").fieldNames())).isEqualTo(new TreeSet<>(dag.tasks().stream().map(DagTask::id).toList()));
            for (DagTask task : dag.tasks()) {
                JsonNode t = d.get("tasks").get(task.id());
                assertThat(names(t.get("upstream").elements())).as(dag.id() + "." + task.id())
                        .isEqualTo(new TreeSet<>(task.upstream()));
                assertThat(t.get("retries").asInt()).isEqualTo(task.retry().retries());
                if (task.retry().retries() > 0) {
                    assertThat(t.get("retry_delay").asLong()).isEqualTo(task.retry().delay().toSeconds());
                    assertThat(t.get("max_retry_delay").asLong()).isEqualTo(task.retry().maxDelay().toSeconds());
                    assertThat(t.get("exponential").asBoolean()).isTrue();
                }
                assertThat(t.get("timeout").asLong()).isEqualTo(task.timeout().toSeconds());
                assertThat(t.get("pool").isNull() ? null : t.get("pool").asText()).isEqualTo(task.pool().orElse(null));
                assertThat(names(t.get("argv").elements(), false)).as("the same command, word for word")
                        .isEqualTo(expectedArgv(task));
            }
        }
        assertThat(declared.get("daily_lakehouse").get("tasks").get("curate").get("argv").toString())
                .isEqualTo("[\"/opt/noexcuses/platform\",\"lakehouse\",\"run\",\"curate\",\"--date\",\"2026-11-30\"]");
    }

    private static List<String> expectedArgv(DagTask task) {
        List<String> argv = new ArrayList<>(task.commandFor(LocalDate.parse("2026-11-30")));
        if (task.runsPlatformCommand()) {
            argv.set(0, PLATFORM.toString());
        }
        return argv;
    }

    private static TreeSet<String> names(java.util.Iterator<?> it) {
        TreeSet<String> names = new TreeSet<>();
        it.forEachRemaining(n -> names.add(n instanceof JsonNode j ? j.asText() : n.toString()));
        return names;
    }

    private static List<String> names(java.util.Iterator<JsonNode> it, boolean unused) {
        List<String> names = new ArrayList<>();
        it.forEachRemaining(n -> names.add(n.asText()));
        return names;
    }

    private record Result(int exitCode, String output) {}

    private Result python(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("python3"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", Path.of(getClass().getResource("/airflow-standin").toURI()).toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
