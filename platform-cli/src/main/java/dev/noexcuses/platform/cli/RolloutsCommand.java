package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.serving.client.ServingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform rollout start SPEC | status | promote | pause | resume | abort | rollback MODEL}. */
@Command(name = "rollout", description = {"Releases of real-time models through the serving gateway (docs/serving.md):",
        "canary, blue-green, shadow, rolling and recreate rollouts from a declarative spec."},
        subcommands = {RolloutsCommand.Start.class, RolloutsCommand.Status.class, RolloutsCommand.Promote.class,
                RolloutsCommand.Pause.class, RolloutsCommand.Resume.class, RolloutsCommand.Abort.class,
                RolloutsCommand.Rollback.class})
final class RolloutsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** The gateway: serving.gateway.url when set, else the one of the platform running on the data directory. */
    static ServingClient gateway(ConfigOptions options) throws Exception {
        Config config = options.load();
        String url = config.getString("serving.gateway.url");
        if (url.isBlank()) {
            Optional<RuntimeState> state = RuntimeState.awaitStarted(options.dataDir(config), System.err,
                    Connections.STARTING_PLATFORM_WAIT);
            url = state.flatMap(s -> s.components().stream().filter(c -> c.name().equals("serving-gateway")).findFirst())
                    .map(c -> c.endpoints().get("url")).orElse(null);
            if (url == null) {
                throw new IllegalStateException("No serving gateway: start ./platform up on this data directory, or set "
                        + "serving.gateway.url (--set or platform.conf)");
            }
        }
        return new ServingClient(url, config.getString("serving.gateway.token"));
    }

    @Command(name = "start", description = {"Start a rollout from a spec file (HOCON or JSON; see docs/serving.md).",
            "A relative model-file is taken relative to the spec file."})
    static final class Start implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "SPEC")
        Path spec;

        @Option(names = "--wait", description = "Follow the rollout until it ends; exit 0 when promoted, 1 otherwise.")
        boolean waitForEnd;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(spec)) {
                throw new IllegalArgumentException("Spec file not found: " + spec.toAbsolutePath());
            }
            Config parsed = ConfigFactory.parseFile(spec.toFile());
            // A version or alias of the model registry is resolved and fetched by the gateway.
            if (parsed.hasPath("model-file")) {
                Path file = Path.of(parsed.getString("model-file"));
                if (!file.isAbsolute()) {
                    file = spec.toAbsolutePath().getParent().resolve(file).normalize();
                }
                parsed = parsed.withValue("model-file", ConfigValueFactory.fromAnyRef(file.toString()));
            }
            ServingClient gateway = gateway(options);
            JsonNode rollout = gateway.start(parsed.root().render(com.typesafe.config.ConfigRenderOptions.concise()));
            long id = rollout.path("id").asLong();
            System.out.printf("Rollout %d of %s version %s (%s) started%n", id, rollout.path("model").asText(),
                    withAlias(rollout.path("candidate_version").asText(), rollout.path("spec").path("registry")),
                    rollout.path("strategy").asText());
            if (!waitForEnd) {
                System.out.println("Follow it: ./platform rollout status " + rollout.path("model").asText());
                return 0;
            }
            String said = "";
            while (true) {
                JsonNode now = gateway.rollout(id);
                String line = now.path("state").asText() + ", " + now.path("phase").asText() + ", candidate "
                        + now.path("candidate_percent").asInt() + "%" + lastAnalysis(now);
                if (!line.equals(said)) {
                    System.out.println("  " + line);
                    said = line;
                }
                String state = now.path("state").asText();
                if (!state.equals("progressing") && !state.equals("paused")) {
                    System.out.println(state + ": " + now.path("reason").asText());
                    return state.equals("promoted") ? 0 : 1;
                }
                Thread.sleep(500);
            }
        }
    }

    @Command(name = "status", description = "Each model's stable version, live traffic split, rollouts in progress with "
            + "the values behind each analysis, and recent history.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "MODEL", arity = "0..1")
        String model;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ServingClient gateway = gateway(options);
            JsonNode models = gateway.models();
            JsonNode rollouts = gateway.rollouts(model, 10);
            if (json) {
                var out = Json.mapper().createObjectNode();
                out.set("models", models);
                out.set("rollouts", rollouts);
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            System.out.printf("%-20s %-8s %-28s %s%n", "MODEL", "STABLE", "TRAFFIC", "REQUESTS (errors) PER VERSION");
            for (JsonNode m : models) {
                if (model != null && !m.path("model").asText().equals(model)) {
                    continue;
                }
                JsonNode t = m.path("traffic");
                String traffic = t.path("candidate_percent").asInt() > 0
                        ? (100 - t.path("candidate_percent").asInt()) + "% " + m.path("stable_version").asText() + ", "
                        + t.path("candidate_percent").asInt() + "% " + t.path("candidate_version").asText()
                        : "100% " + String.join("+", Json.mapper().convertValue(t.path("stable_versions"), String[].class));
                if (t.has("shadow")) {
                    traffic += ", shadow " + t.path("shadow").path("version").asText();
                }
                StringBuilder perVersion = new StringBuilder();
                m.path("versions").fields().forEachRemaining(v -> perVersion.append(v.getKey()).append(": ")
                        .append(v.getValue().path("requests").asLong()).append(" (")
                        .append(v.getValue().path("errors").asLong()).append(")  "));
                System.out.printf("%-20s %-8s %-28s %s%n", m.path("model").asText(),
                        withAlias(m.path("stable_version").asText(), m.path("stable_registry")), traffic,
                        perVersion.toString().trim());
            }
            System.out.println();
            System.out.printf("%-5s %-20s %-10s %-8s %-12s %-19s %s%n", "ID", "MODEL", "STRATEGY", "VERSION", "STATE",
                    "PHASE", "REASON / LAST ANALYSIS");
            for (JsonNode r : rollouts) {
                String phase = r.path("phase").asText() + (r.path("phase").asText().equals("step")
                        ? " " + (r.path("step").asInt() + 1) + " (" + r.path("candidate_percent").asInt() + "%)" : "");
                String why = r.path("reason").isNull() || r.path("reason").asText().isEmpty() ? lastAnalysis(r).replaceFirst("^, ", "")
                        : r.path("reason").asText();
                System.out.printf("%-5d %-20s %-10s %-8s %-12s %-19s %s%n", r.path("id").asLong(), r.path("model").asText(),
                        r.path("strategy").asText(), withAlias(r.path("candidate_version").asText(),
                                r.path("spec").path("registry")), r.path("state").asText(),
                        phase, why);
            }
            return 0;
        }
    }

    /** {@code 7 (champion)} for a version the model registry resolved from an alias. */
    private static String withAlias(String version, JsonNode registry) {
        String alias = registry.path("alias").asText("");
        return alias.isEmpty() ? version : version + " (" + alias + ")";
    }

    private static String lastAnalysis(JsonNode rollout) {
        JsonNode analyses = rollout.path("detail").path("analyses");
        if (!analyses.isArray() || analyses.isEmpty()) {
            JsonNode shadow = rollout.path("detail").path("shadow");
            return shadow.isObject() ? ", shadow " + shadow : "";
        }
        JsonNode last = analyses.get(analyses.size() - 1);
        return ", analysis of step " + last.path("step").asInt() + ": " + last.path("reason").asText() + " "
                + last.path("values");
    }

    abstract static class ModelCommand implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "MODEL")
        String model;

        abstract String command();

        @Override
        public Integer call() throws Exception {
            JsonNode r = gateway(options).command(model, command());
            System.out.printf("%s sent to rollout %d of %s (%s, %s)%n", command(), r.path("id").asLong(), model,
                    r.path("state").asText(), r.path("phase").asText());
            if (r.hasNonNull("reason")) {
                System.out.println(r.path("reason").asText());
            }
            System.out.println("./platform rollout status " + model + " shows where it is.");
            return 0;
        }
    }

    @Command(name = "promote", description = "The candidate takes all traffic now, whatever the analysis says (even with the stable version down).")
    static final class Promote extends ModelCommand {
        @Override
        String command() {
            return "promote";
        }
    }

    @Command(name = "pause", description = "Hold the rollout where it is: traffic stays split as it is now.")
    static final class Pause extends ModelCommand {
        @Override
        String command() {
            return "pause";
        }
    }

    @Command(name = "resume", description = "Go on with a paused rollout.")
    static final class Resume extends ModelCommand {
        @Override
        String command() {
            return "resume";
        }
    }

    @Command(name = "abort", description = "All traffic back to the stable version at once; the candidate is stopped. The rollout can be started again.")
    static final class Abort extends ModelCommand {
        @Override
        String command() {
            return "abort";
        }
    }

    @Command(name = "rollback", description = "Like abort during a rollout; after a promotion, the previous version takes the traffic back "
            + "(at once while blue-green keeps it running).")
    static final class Rollback extends ModelCommand {
        @Override
        String command() {
            return "rollback";
        }
    }
}
