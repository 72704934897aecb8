package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.client.ServingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform ab start SPEC | status [EXP] | stop EXP | report EXP}: A/B experiments of models (docs/ab-testing.md). */
@Command(name = "ab", description = {"A/B experiments of two versions of a model through the serving gateway "
        + "(docs/ab-testing.md):", "sticky arms per user, exposures in the lake, outcomes per arm, honest statistics."},
        subcommands = {AbCommand.Start.class, AbCommand.Status.class, AbCommand.Stop.class, AbCommand.Report.class})
final class AbCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "start", description = {"Start an experiment from a spec file (HOCON or JSON; see docs/ab-testing.md).",
            "A relative treatment.model-file is taken relative to the spec file."})
    static final class Start implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "SPEC")
        Path spec;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(spec)) {
                throw new IllegalArgumentException("Spec file not found: " + spec.toAbsolutePath());
            }
            Config parsed = ConfigFactory.parseFile(spec.toFile());
            if (parsed.hasPath("treatment.model-file")) {
                Path file = Path.of(parsed.getString("treatment.model-file"));
                if (!file.isAbsolute()) {
                    file = spec.toAbsolutePath().getParent().resolve(file).normalize();
                }
                parsed = parsed.withValue("treatment.model-file", ConfigValueFactory.fromAnyRef(file.toString()));
            }
            ServingClient gateway = RolloutsCommand.gateway(options);
            JsonNode e = gateway.startExperiment(parsed.root().render(ConfigRenderOptions.concise()));
            String name = e.path("name").asText();
            System.out.printf("Experiment %s started on %s: control version %s, treatment version %s (canary rollout %d), "
                            + "planned end %s%n", name, e.path("model").asText(), e.path("control_version").asText(),
                    e.path("treatment_version").asText(), e.path("rollout_id").asLong(), e.path("planned_end").asText());
            System.out.println("Requests name their user with x-user-id (or x-anonymous-id). Follow it: ./platform ab report " + name);
            return 0;
        }
    }

    @Command(name = "status", description = "Experiments, newest first: state, model, versions, planned end, decision.")
    static final class Status implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "EXPERIMENT", arity = "0..1")
        String name;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ServingClient gateway = RolloutsCommand.gateway(options);
            JsonNode list = name == null ? gateway.experiments(50) : Json.mapper().createArrayNode().add(gateway.experiment(name));
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(list));
                return 0;
            }
            System.out.printf("%-28s %-9s %-16s %-9s %-9s %-22s %s%n", "EXPERIMENT", "STATE", "MODEL", "CONTROL",
                    "TREATMENT", "PLANNED END", "DECISION");
            for (JsonNode e : list) {
                System.out.printf("%-28s %-9s %-16s %-9s %-9s %-22s %s%n", e.path("name").asText(), e.path("state").asText(),
                        e.path("model").asText(), e.path("control_version").asText(), e.path("treatment_version").asText(),
                        e.path("planned_end").asText().replaceFirst("\\.\\d+Z$", "Z"),
                        e.path("decision").isNull() ? "" : e.path("decision").asText());
            }
            return 0;
        }
    }

    @Command(name = "stop", description = {"Stop an experiment and hand the winner to its rollout: a treatment that won "
            + "and passed the guardrails is promoted, otherwise its canary is aborted and control stays.",
            "--winner treatment|control overrides the report."})
    static final class Stop implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "EXPERIMENT")
        String name;

        @Option(names = "--winner", defaultValue = "auto", description = "auto (the report decides), treatment or control.")
        String winner;

        @Override
        public Integer call() throws Exception {
            JsonNode e = RolloutsCommand.gateway(options).stopExperiment(name, winner.toLowerCase(Locale.ROOT));
            System.out.printf("Experiment %s %s: %s%n", name, e.path("state").asText(), e.path("decision").asText());
            return 0;
        }
    }

    @Command(name = "report", description = "Arms, samples against the planned size, the effect with its confidence "
            + "interval, p-value and the always-valid sequential verdict, guardrails.")
    static final class Report implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "EXPERIMENT")
        String name;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            JsonNode r = RolloutsCommand.gateway(options).experimentReport(name);
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
                return 0;
            }
            System.out.print(text(r));
            return 0;
        }
    }

    /** The report for people: what the JSON says, in the order a reader needs it. */
    static String text(JsonNode r) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Experiment %s on %s (%s), metric %s, alpha %s, minimum effect %s%n",
                r.path("experiment").asText(), r.path("model").asText(), r.path("state").asText(), r.path("metric").asText(),
                r.path("alpha").asText(), r.path("minimum_detectable_effect").asText()));
        out.append(String.format(Locale.ROOT, "Started %s, planned end %s; planned users: control %,d, treatment %,d (power %s)%n",
                r.path("started_at").asText(), r.path("planned_end").asText(), r.path("planned_users").path("control").asLong(),
                r.path("planned_users").path("treatment").asLong(), r.path("planned_users").path("power").asText()));
        if (!r.has("arms")) {
            out.append(r.path("verdict").asText()).append('\n');
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "Outcomes from the lake as of %s%n", r.path("outcomes_as_of").asText()));
        out.append(String.format(Locale.ROOT, "  %-10s %-8s %9s %9s %8s %12s %9s %9s %10s %10s%n", "ARM", "VERSION", "USERS",
                "CONVERTED", "CONV %", "REVENUE/USER", "CHURN %", "REQUESTS", "ERROR %", "P99 MS"));
        for (JsonNode a : r.path("arms")) {
            out.append(String.format(Locale.ROOT, "  %-10s %-8s %,9d %,9d %7.2f%% %12.2f %9s %,9d %9.3f%% %10.1f%n",
                    a.path("arm").asText(), a.path("version").asText(), a.path("users").asLong(), a.path("conversions").asLong(),
                    a.path("conversion_rate").asDouble() * 100, a.path("revenue_per_user").asDouble(),
                    a.path("churn_rate").isNull() ? "-" : String.format(Locale.ROOT, "%.2f%%", a.path("churn_rate").asDouble() * 100),
                    a.path("requests").asLong(), a.path("error_rate").asDouble() * 100, a.path("p99_latency_ms").asDouble()));
        }
        if (r.has("fixed_horizon")) {
            JsonNode f = r.path("fixed_horizon");
            JsonNode s = r.path("sequential");
            out.append(String.format(Locale.ROOT, "Sample: %.0f%% of the planned size%n", r.path("sample").path("share_of_plan").asDouble() * 100));
            out.append(String.format(Locale.ROOT, "Effect (treatment - control): %+.5f, %.0f%% CI [%+.5f, %+.5f]; %s p = %.4g%n",
                    f.path("difference").asDouble(), f.path("confidence").asDouble() * 100, f.path("ci_lower").asDouble(),
                    f.path("ci_upper").asDouble(), f.path("test").asText(), f.path("p_value").asDouble()));
            out.append(String.format(Locale.ROOT, "Sequential (%s): likelihood ratio %.3g (threshold %.0f), always-valid p = %.4g, "
                            + "always-valid CI [%+.5f, %+.5f]%n", s.path("test").asText(), s.path("likelihood_ratio").asDouble(),
                    s.path("threshold").asDouble(), s.path("always_valid_p_value").asDouble(), s.path("ci_lower").asDouble(),
                    s.path("ci_upper").asDouble()));
            out.append("Peeking: ").append(r.path("peeking").asText()).append('\n');
            for (JsonNode g : r.path("guardrails")) {
                out.append(String.format(Locale.ROOT, "Guardrail %s: control %s, treatment %s: %s%n", g.path("guardrail").asText(),
                        g.path("control").asText(), g.path("treatment").asText(), g.path("passed").asBoolean() ? "passed" : "FAILED"));
            }
        }
        out.append("Verdict: ").append(r.path("verdict").asText()).append('\n');
        if (r.hasNonNull("decision")) {
            out.append("Decision: ").append(r.path("decision").asText()).append('\n');
        }
        return out.toString();
    }
}
