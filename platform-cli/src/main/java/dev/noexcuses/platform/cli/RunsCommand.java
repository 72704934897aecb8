package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./platform runs ...}: tracked experiment runs of the model registry. (The orchestrator's DAG runs
 * are {@code ./platform dags runs}, the lakehouse jobs' {@code ./platform lakehouse runs}.)
 */
@Command(name = "runs", description = "Experiment runs tracked by the model registry (DAG runs: ./platform dags runs).",
        subcommands = {RunsCommand.Experiments.class, RunsCommand.ListRuns.class, RunsCommand.Show.class})
final class RunsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Command(name = "experiments", description = "The experiments.")
    static final class Experiments implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Override
        public Integer call() throws Exception {
            JsonNode experiments = registry.client().get("/api/v1/experiments").path("experiments");
            System.out.printf("%-6s %-32s %-21s %s%n", "ID", "NAME", "CREATED", "ARTIFACTS");
            for (JsonNode e : experiments) {
                System.out.printf("%-6d %-32s %-21s %s%n", e.path("experiment_id").asLong(), e.path("name").asText(),
                        RegistryConnection.time(e.path("creation_time").asLong()), e.path("artifact_location").asText());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "One page of an experiment's runs (server-side pages; --page-token continues).")
    static final class ListRuns implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "EXPERIMENT", description = "The experiment's name or id.")
        String experiment;

        @Option(names = "--order-by", defaultValue = "start_time DESC",
                description = "start_time, name or metrics.<key>, then ASC or DESC (default: ${DEFAULT-VALUE}).")
        String orderBy;

        @Option(names = "--filter", defaultValue = "", description = "MLflow syntax, e.g. \"metrics.auc > 0.8 and params.max_depth = '6'\".")
        String filter;

        @Option(names = "--limit", defaultValue = "50", description = "Runs per page (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--page-token", defaultValue = "", description = "The token printed under the previous page.")
        String pageToken;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode page = registry.client().get("/api/v1/experiments/" + encode(experiment) + "/runs?limit=" + limit
                    + "&order_by=" + encode(orderBy) + "&filter=" + encode(filter) + "&page_token=" + encode(pageToken));
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(page));
                return 0;
            }
            System.out.printf("%-32s %-24s %-9s %-21s %-12s %s%n", "RUN", "NAME", "STATUS", "STARTED", "COMMIT", "METRICS");
            for (JsonNode r : page.path("runs")) {
                List<String> metrics = new ArrayList<>();
                r.path("metrics").forEach(m -> metrics.add(m.path("key").asText() + "=" + String.format("%.4g", m.path("value").asDouble())));
                String commit = r.path("git_commit").asText("");
                System.out.printf("%-32s %-24s %-9s %-21s %-12s %s%n", r.path("run_id").asText(), r.path("name").asText(),
                        r.path("status").asText(), RegistryConnection.time(r.path("start_time").asLong()),
                        commit.length() > 10 ? commit.substring(0, 10) : commit, String.join(" ", metrics));
            }
            String next = page.path("next_page_token").asText("");
            System.out.println(next.isEmpty() ? "(last page)" : "next page: --page-token " + next);
            return 0;
        }
    }

    @Command(name = "show", description = "One run: parameters, latest metrics, tags, datasets, artifacts, registered versions.")
    static final class Show implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "RUN_ID", description = "The run's id.")
        String runId;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode out = registry.client().get("/api/v1/runs/" + encode(runId));
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            JsonNode r = out.path("run");
            System.out.printf("%s  %s  (experiment %d)%n  status    %s, started %s, ended %s, by %s%n", r.path("run_id").asText(),
                    r.path("name").asText(), r.path("experiment_id").asLong(), r.path("status").asText(),
                    RegistryConnection.time(r.path("start_time").asLong()), RegistryConnection.time(r.path("end_time").asLong(0)),
                    r.path("user").asText());
            System.out.printf("  code      git commit %s, code version %s%n", r.path("git_commit").asText("-"),
                    r.path("code_version").asText("-"));
            r.path("params").fields().forEachRemaining(e -> System.out.printf("  param     %s = %s%n", e.getKey(), e.getValue().asText()));
            r.path("metrics").forEach(m -> System.out.printf("  metric    %s = %s (step %d)%n", m.path("key").asText(),
                    m.path("value").asText(), m.path("step").asLong()));
            r.path("tags").fields().forEachRemaining(e -> System.out.printf("  tag       %s = %s%n", e.getKey(), e.getValue().asText()));
            r.path("datasets").forEach(d -> System.out.printf("  dataset   %s at snapshot %d (%s)%n", d.path("table").asText(),
                    d.path("snapshot_id").asLong(), d.path("context").asText()));
            System.out.printf("  artifacts %s%n", r.path("artifact_uri").asText());
            out.path("artifacts").forEach(a -> System.out.printf("            %s (%d bytes)%n", a.path("path").asText(), a.path("size").asLong()));
            out.path("model_versions").forEach(v -> System.out.printf("  version   %s v%d%n", v.path("model").asText(), v.path("version").asInt()));
            return 0;
        }
    }
}
