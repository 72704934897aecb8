package dev.noexcuses.console.runs;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.web.JsonResponses;
import dev.noexcuses.orchestrator.dag.Dag;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.DagTask;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskAttempt;
import dev.noexcuses.orchestrator.run.TaskInstance;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * The Runs page's API: DAGs, their runs, each run's task graph and attempts, attempt logs; trigger,
 * backfill and clear. It reads and writes the orchestrator's run history through the orchestrator's
 * own API ({@link DagRuns}, the one {@code ./platform dags} uses), so a run queued here is the same as
 * one queued from the command line and any scheduler instance on the database picks it up.
 */
public final class RunsApi implements AutoCloseable {
    /** The most of a log the page shows: its end, where a failed task says why. */
    static final int LOG_TAIL_BYTES = 64 * 1024;
    private static final int CONNECTIONS = 2;

    private final Config config;
    private final DagCatalog dags;
    private final Path logDir;
    private Database db;
    private DagRuns runs;

    public RunsApi(Config config) {
        this.config = requireNonNull(config, "config is null");
        this.dags = DagCatalog.shipped();
        this.logDir = Path.of(config.getString("orchestrator.log-dir")).toAbsolutePath().normalize();
    }

    private boolean configured() {
        return !config.getString("postgres.jdbc-url").isBlank();
    }

    /** Opened on first use: the console starts (and shows its other pages) while PostgreSQL is away. */
    private synchronized DagRuns runs() {
        if (runs == null) {
            db = Database.open(config, CONNECTIONS);
            runs = new DagRuns(db, dags, Clock.systemUTC());
        }
        return runs;
    }

    @Get("/api/runs")
    @Blocking
    public HttpResponse overview(@Param("dag") @Default("") String dag, @Param("limit") @Default("50") int limit) {
        if (!configured()) {
            return JsonResponses.ok(JsonResponses.object().put("available", false).put("message",
                    "No run history: the orchestrator keeps it in PostgreSQL, and postgres.jdbc-url is not set "
                            + "(./platform up sets it to its embedded server)."));
        }
        DagRuns r = runs();
        ObjectNode out = JsonResponses.object().put("available", true).put("scheduler_active", r.schedulerActive());
        ArrayNode dagList = out.putArray("dags");
        for (Dag d : dags.all()) {
            dagList.add(describe(d));
        }
        ArrayNode list = out.putArray("runs");
        for (DagRun run : r.runs(dag.isBlank() ? Optional.empty() : Optional.of(dag), Math.max(1, Math.min(limit, 500)))) {
            ObjectNode node = Json.mapper().valueToTree(run);
            node.set("tasks", Json.mapper().valueToTree(r.tasks(run)));
            list.add(node);
        }
        return JsonResponses.ok(out);
    }

    @Get("/api/runs/{id}")
    @Blocking
    public HttpResponse run(@Param("id") long id) {
        if (!configured()) {
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "No run history: postgres.jdbc-url is not set");
        }
        Optional<DagRun> found = runs().run(id);
        if (found.isEmpty()) {
            return JsonResponses.error(HttpStatus.NOT_FOUND, "No run " + id);
        }
        DagRun run = found.get();
        List<TaskInstance> tasks = runs().tasks(run);
        ObjectNode out = JsonResponses.object();
        out.set("run", Json.mapper().valueToTree(run));
        out.set("tasks", Json.mapper().valueToTree(tasks));
        out.set("attempts", Json.mapper().valueToTree(runs().attempts(run)));
        ObjectNode graph = out.putObject("graph");
        ArrayNode nodes = graph.putArray("nodes");
        ArrayNode edges = graph.putArray("edges");
        Optional<Dag> dag = dags.find(run.dagId());
        for (TaskInstance t : tasks) {
            nodes.addObject().put("id", t.taskId()).put("state", t.state());
        }
        dag.ifPresent(d -> d.tasks().forEach(t -> t.upstream().forEach(up ->
                edges.addObject().put("from", up).put("to", t.id()))));
        return JsonResponses.ok(out);
    }

    @Get("/api/runs/{id}/attempts/{attempt}/log")
    @Blocking
    public HttpResponse log(@Param("id") long id, @Param("attempt") long attemptId) throws IOException {
        if (!configured()) {
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "No run history: postgres.jdbc-url is not set");
        }
        Optional<DagRun> run = runs().run(id);
        Optional<TaskAttempt> attempt = run.flatMap(r -> runs().attempts(r).stream()
                .filter(a -> a.attemptId() == attemptId).findFirst());
        if (attempt.isEmpty()) {
            return JsonResponses.error(HttpStatus.NOT_FOUND, "No attempt " + attemptId + " in run " + id);
        }
        TaskAttempt a = attempt.get();
        ObjectNode out = JsonResponses.object().put("attempt_id", a.attemptId()).put("task_id", a.taskId())
                .put("try_number", a.tryNumber()).put("host", a.host()).put("log_file", a.logFile());
        Path file = Path.of(a.logFile()).toAbsolutePath().normalize();
        // Only logs the orchestrator wrote: the path comes from the database, not from a trusted hand.
        if (!file.startsWith(logDir)) {
            return JsonResponses.ok(out.put("available", false).put("message", "The log is outside this console's "
                    + "orchestrator.log-dir (" + logDir + "): read it on host " + a.host()));
        }
        if (!Files.isRegularFile(file)) {
            return JsonResponses.ok(out.put("available", false).put("message", "No log file at " + file
                    + " on this machine: the attempt ran on host " + a.host()));
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            long from = Math.max(0, size - LOG_TAIL_BYTES);
            byte[] bytes = new byte[(int) (size - from)];
            f.seek(from);
            f.readFully(bytes);
            return JsonResponses.ok(out.put("available", true).put("size", size).put("truncated", from > 0)
                    .put("text", new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    @Post("/api/runs/trigger")
    @Blocking
    public HttpResponse trigger(String body) {
        return act(() -> {
            JsonNode in = Json.mapper().readTree(body);
            DagRun run = runs().trigger(text(in, "dag"), optionalDate(in, "date"));
            return JsonResponses.object().set("run", Json.mapper().valueToTree(run));
        });
    }

    @Post("/api/runs/backfill")
    @Blocking
    public HttpResponse backfill(String body) {
        return act(() -> {
            JsonNode in = Json.mapper().readTree(body);
            List<DagRun> queued = runs().backfill(text(in, "dag"), date(in, "from"), date(in, "to"));
            return JsonResponses.object().set("runs", Json.mapper().valueToTree(queued));
        });
    }

    @Post("/api/runs/clear")
    @Blocking
    public HttpResponse clear(String body) {
        return act(() -> {
            JsonNode in = Json.mapper().readTree(body);
            String task = in.path("task").asText("");
            DagRun run = runs().clear(text(in, "dag"), date(in, "date"), task.isBlank() ? Optional.empty() : Optional.of(task));
            return JsonResponses.object().set("run", Json.mapper().valueToTree(run));
        });
    }

    private interface Action {
        JsonNode run() throws IOException;
    }

    /** An action's answer: what it did, or why not (the orchestrator's own message) as 400 or 409. */
    private HttpResponse act(Action action) {
        if (!configured()) {
            return JsonResponses.error(HttpStatus.SERVICE_UNAVAILABLE, "No run history: postgres.jdbc-url is not set");
        }
        try {
            return JsonResponses.ok(action.run());
        } catch (IOException | IllegalArgumentException e) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (IllegalStateException e) {
            return JsonResponses.error(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    private static ObjectNode describe(Dag d) {
        ObjectNode node = JsonResponses.object().put("id", d.id()).put("description", d.description())
                .put("schedule", d.schedule().map(s -> s.expression()).orElse(null)).put("zone", d.zone().getId())
                .put("catchup", d.catchup()).put("max_active_runs", d.maxActiveRuns());
        ArrayNode tasks = node.putArray("tasks");
        for (String id : d.taskOrder()) {
            DagTask t = d.task(id);
            ObjectNode task = tasks.addObject().put("id", t.id()).put("command", String.join(" ", t.command()))
                    .put("retries", t.retry().retries()).put("timeout_seconds", t.timeout().toSeconds())
                    .put("pool", t.pool().orElse(null));
            ArrayNode upstream = task.putArray("upstream");
            t.upstream().forEach(upstream::add);
        }
        return node;
    }

    private static String text(JsonNode in, String field) {
        String value = in.path(field).asText("");
        if (value.isBlank()) {
            throw new IllegalArgumentException("Missing '" + field + "'");
        }
        return value;
    }

    private static LocalDate date(JsonNode in, String field) {
        return optionalDate(in, field).orElseThrow(() -> new IllegalArgumentException("Missing '" + field
                + "': a day as YYYY-MM-DD"));
    }

    private static Optional<LocalDate> optionalDate(JsonNode in, String field) {
        String value = in.path(field).asText("");
        if (value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(value));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid " + field + " '" + value + "': expected YYYY-MM-DD");
        }
    }

    @Override
    public synchronized void close() {
        if (db != null) {
            db.close();
        }
    }
}
