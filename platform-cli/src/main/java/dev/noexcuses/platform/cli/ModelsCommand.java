package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.client.RegistryClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform models ...}: the model registry's models, versions, aliases, history and promotions. */
@Command(name = "models", description = "The model registry: models, versions, aliases and their history, guarded promotion.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.History.class,
                ModelsCommand.RequestPromotion.class, ModelsCommand.Approve.class, ModelsCommand.Reject.class,
                ModelsCommand.Requests.class})
final class ModelsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void print(JsonNode node) throws Exception {
        System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }

    @Command(name = "list", description = "Every registered model: latest version and current aliases.")
    static final class ListModels implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode models = registry.client().get("/api/v1/models").path("models");
            if (json) {
                print(models);
                return 0;
            }
            if (models.isEmpty()) {
                System.out.println("No model registered yet.");
                return 0;
            }
            System.out.printf("%-32s %-8s %-20s %s%n", "MODEL", "LATEST", "UPDATED", "ALIASES");
            for (JsonNode m : models) {
                List<String> aliases = new ArrayList<>();
                m.path("aliases").fields().forEachRemaining(e -> aliases.add(e.getKey() + "=v" + e.getValue().asInt()));
                System.out.printf("%-32s v%-7d %-20s %s%n", m.path("name").asText(), m.path("latest_version").asInt(),
                        RegistryConnection.time(m.path("last_updated_time").asLong()), String.join(", ", aliases));
            }
            return 0;
        }
    }

    @Command(name = "show", description = "A model's versions (gates, metrics, run, source), aliases and pending requests; "
            + "with --version, that version's lineage (run, code, parameters, datasets at their snapshots).")
    static final class Show implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "NAME", description = "The model.")
        String name;

        @Option(names = "--version", description = "One version, with its lineage.")
        Integer version;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            RegistryClient client = registry.client();
            if (version != null) {
                JsonNode v = client.get("/api/v1/models/" + encode(name) + "/versions/" + version).path("model_version");
                if (json) {
                    print(v);
                    return 0;
                }
                System.out.printf("%s v%d  aliases %s  registered %s by %s%n  source    %s%n", name, version,
                        v.path("aliases"), RegistryConnection.time(v.path("creation_time").asLong()), v.path("created_by").asText(),
                        v.path("source").asText());
                System.out.printf("  signature %s%n  metrics   %s%n", v.path("signature"), v.path("metrics"));
                for (JsonNode g : v.path("gates")) {
                    System.out.printf("  gate      %-28s %s %s%n", g.path("gate").asText(), g.path("passed").asBoolean() ? "passed" : "FAILED",
                            g.path("detail").asText());
                }
                JsonNode run = v.path("run");
                if (!run.isMissingNode() && !run.isNull()) {
                    System.out.printf("  run       %s (%s, experiment %d) by %s, git commit %s, code version %s%n",
                            run.path("run_id").asText(), run.path("name").asText(), run.path("experiment_id").asLong(),
                            run.path("user").asText(), run.path("git_commit").asText("-"), run.path("code_version").asText("-"));
                    System.out.printf("  params    %s%n", run.path("params"));
                    for (JsonNode d : run.path("datasets")) {
                        System.out.printf("  dataset   %s at snapshot %d (%s)%n", d.path("table").asText(), d.path("snapshot_id").asLong(),
                                d.path("context").asText());
                    }
                }
                return 0;
            }
            JsonNode out = client.get("/api/v1/models/" + encode(name));
            if (json) {
                print(out);
                return 0;
            }
            JsonNode model = out.path("model");
            System.out.printf("%s  (protected aliases: %s)%n", model.path("name").asText(), out.path("protected_aliases"));
            model.path("aliases").fields().forEachRemaining(e -> System.out.printf("  alias %-16s -> v%d%n", e.getKey(), e.getValue().asInt()));
            System.out.printf("%n%-8s %-8s %-22s %-34s %s%n", "VERSION", "GATES", "REGISTERED", "RUN", "METRICS");
            for (JsonNode v : out.path("versions")) {
                boolean gates = v.path("gates").size() > 0;
                boolean passed = gates;
                for (JsonNode g : v.path("gates")) {
                    passed &= g.path("passed").asBoolean();
                }
                System.out.printf("v%-7d %-8s %-22s %-34s %s%n", v.path("version").asInt(), !gates ? "none" : passed ? "passed" : "FAILED",
                        RegistryConnection.time(v.path("creation_time").asLong()), v.path("run_id").asText("-"), v.path("metrics"));
            }
            if (out.path("pending_requests").size() > 0) {
                System.out.println();
                for (JsonNode r : out.path("pending_requests")) {
                    System.out.printf("pending request %d: %s -> v%d by %s: %s%n", r.path("request_id").asLong(), r.path("alias").asText(),
                            r.path("version").asInt(), r.path("requested_by").asText(), r.path("reason").asText());
                }
            }
            return 0;
        }
    }

    @Command(name = "history", description = "Every move of a model's aliases, newest first; with --as-of, which version "
            + "each alias had at that time.")
    static final class History implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "NAME", description = "The model.")
        String name;

        @Option(names = "--alias", description = "Only this alias.")
        String alias;

        @Option(names = "--as-of", description = "A past time (ISO-8601, e.g. 2026-12-01T10:00:00Z): the aliases at that time.")
        String asOf;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            StringBuilder path = new StringBuilder("/api/v1/models/" + encode(name) + "/history?limit=1000");
            if (alias != null) {
                path.append("&alias=").append(encode(alias));
            }
            if (asOf != null) {
                path.append("&as_of=").append(encode(asOf));
            }
            JsonNode out = registry.client().get(path.toString());
            if (json) {
                print(out);
                return 0;
            }
            if (asOf != null) {
                System.out.println("As of " + asOf + ":");
                if (out.path("aliases_as_of").isEmpty()) {
                    System.out.println("  no alias pointed at a version");
                }
                out.path("aliases_as_of").fields().forEachRemaining(e ->
                        System.out.printf("  %-16s v%d%n", e.getKey(), e.getValue().asInt()));
                System.out.println();
            }
            System.out.printf("%-21s %-14s %-12s %-16s %-16s %s%n", "AT", "ALIAS", "MOVE", "BY", "APPROVED BY", "REASON");
            for (JsonNode e : out.path("events")) {
                String move = (e.path("previous_version").isNull() ? "-" : "v" + e.path("previous_version").asInt()) + " -> "
                        + (e.path("version").isNull() ? "removed" : "v" + e.path("version").asInt());
                System.out.printf("%-21s %-14s %-12s %-16s %-16s %s%n", RegistryConnection.time(e.path("at").asLong()),
                        e.path("alias").asText(), move, e.path("moved_by").asText(),
                        e.path("approved_by").isNull() ? "-" : e.path("approved_by").asText(), e.path("reason").asText());
            }
            return 0;
        }
    }

    @Command(name = "request-promotion", description = "Ask for a protected alias (champion) to move to a version; another "
            + "user with the approver role approves it. The version's gates must all have passed.")
    static final class RequestPromotion implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(index = "0", paramLabel = "NAME", description = "The model.")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The version to promote.")
        int version;

        @Option(names = "--alias", defaultValue = "champion", description = "The protected alias (default ${DEFAULT-VALUE}).")
        String alias;

        @Option(names = "--reason", required = true, description = "Why this version should take the alias.")
        String reason;

        @Override
        public Integer call() throws Exception {
            long id = registry.client().requestPromotion(name, alias, version, reason);
            System.out.printf("Promotion request %d: %s v%d -> %s, waiting for another user's approval "
                    + "(./platform models approve %d --token <approver token>)%n", id, name, version, alias, id);
            return 0;
        }
    }

    @Command(name = "approve", description = "Approve a pending promotion request (approver role; not your own request).")
    static final class Approve implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "REQUEST", description = "The request's id.")
        long request;

        @Option(names = "--comment", defaultValue = "", description = "Why you approve.")
        String comment;

        @Override
        public Integer call() throws Exception {
            JsonNode event = registry.client().post("/api/v1/promotions/" + request + "/approve",
                    Json.mapper().createObjectNode().put("comment", comment)).path("event");
            System.out.printf("Approved: %s %s -> v%d (was %s), requested by %s, approved by %s%n", event.path("model").asText(),
                    event.path("alias").asText(), event.path("version").asInt(),
                    event.path("previous_version").isNull() ? "none" : "v" + event.path("previous_version").asInt(),
                    event.path("moved_by").asText(), event.path("approved_by").asText());
            return 0;
        }
    }

    @Command(name = "reject", description = "Reject a pending promotion request (approver role, or the requester withdrawing it).")
    static final class Reject implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Parameters(paramLabel = "REQUEST", description = "The request's id.")
        long request;

        @Option(names = "--comment", defaultValue = "", description = "Why.")
        String comment;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = Json.mapper().createObjectNode().put("comment", comment);
            JsonNode r = registry.client().post("/api/v1/promotions/" + request + "/reject", body).path("request");
            System.out.printf("Rejected request %d (%s v%d -> %s) by %s%n", r.path("request_id").asLong(), r.path("model").asText(),
                    r.path("version").asInt(), r.path("alias").asText(), r.path("decided_by").asText());
            return 0;
        }
    }

    @Command(name = "requests", description = "Promotion requests (pending by default).")
    static final class Requests implements Callable<Integer> {
        @Mixin
        RegistryConnection registry;

        @Option(names = "--status", defaultValue = "pending", description = "pending, approved, rejected or all.")
        String status;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode requests = registry.client().get("/api/v1/promotions?status=" + encode(status)).path("requests");
            if (json) {
                print(requests);
                return 0;
            }
            if (requests.isEmpty()) {
                System.out.println("No " + status + " promotion requests.");
                return 0;
            }
            for (JsonNode r : requests) {
                System.out.printf("%-5d %-9s %s v%d -> %s  by %s at %s: %s%s%n", r.path("request_id").asLong(), r.path("status").asText(),
                        r.path("model").asText(), r.path("version").asInt(), r.path("alias").asText(), r.path("requested_by").asText(),
                        RegistryConnection.time(r.path("requested_at").asLong()), r.path("reason").asText(),
                        r.path("decided_by").isNull() ? "" : "  (" + r.path("status").asText() + " by " + r.path("decided_by").asText() + ")");
            }
            return 0;
        }
    }
}
