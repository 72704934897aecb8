package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.alerting.state.AlertDatabase;
import dev.noexcuses.alerting.state.AlertState;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.alerting.state.HistoryEntry;
import dev.noexcuses.alerting.state.Silence;
import dev.noexcuses.common.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform alerts list|history|silence|ack}: the alert rules, their alerts and history. */
@Command(name = "alerts", description = "Alert rules on the live data: current alerts, history, silences, acknowledgements.",
        subcommands = {AlertsCommand.ListAlerts.class, AlertsCommand.History.class, AlertsCommand.SilenceRule.class,
                AlertsCommand.Acknowledge.class})
final class AlertsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", description = "The rules, and each pending or firing alert with its value and since when.")
    static final class ListAlerts implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--json", description = "Print JSON for machines: rules, alerts, silences.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Config config = DagsCommand.resolve(options);
            List<AlertRule> rules = AlertRule.fromConfig(config.getConfig("alerting"));
            try (AlertDatabase db = AlertDatabase.open(config)) {
                AlertStore store = new AlertStore(db);
                List<AlertState> states = store.states();
                List<Silence> silences = store.activeSilences(Instant.now());
                if (json) {
                    ObjectNode out = Json.mapper().createObjectNode();
                    ArrayNode r = out.putArray("rules");
                    rules.forEach(rule -> r.addObject().put("name", rule.name()).put("kind", rule.kind().configName())
                            .put("description", rule.describe()).put("for", rule.pendingFor().toString()));
                    out.set("alerts", Json.mapper().valueToTree(states));
                    out.set("silences", Json.mapper().valueToTree(silences));
                    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                    return 0;
                }
                for (AlertRule rule : rules) {
                    System.out.printf("%-24s %s (for %s)%n", rule.name(), rule.describe(), human(rule.pendingFor()));
                    states.stream().filter(s -> s.rule().equals(rule.name()) && !s.state().equals("resolved")).forEach(s ->
                            System.out.printf("  %-8s %-36s since %s%s%n    %s%n", s.state().toUpperCase(Locale.ROOT), s.group(),
                                    s.since().truncatedTo(ChronoUnit.SECONDS),
                                    s.acknowledgedBy() == null ? "" : "  (acknowledged by " + s.acknowledgedBy() + ")",
                                    s.summary()));
                    silences.stream().filter(x -> x.rule().equals(rule.name())).forEach(x ->
                            System.out.printf("  silenced %s until %s by %s%s%n", x.group(), x.until().truncatedTo(ChronoUnit.SECONDS),
                                    x.createdBy(), x.reason().isBlank() ? "" : ": " + x.reason()));
                }
                long firing = states.stream().filter(s -> s.state().equals("firing")).count();
                System.out.printf("%n%d alert(s) firing, %d pending%n", firing,
                        states.stream().filter(s -> s.state().equals("pending")).count());
            }
            return 0;
        }
    }

    @Command(name = "history", description = "Transitions of alerts (pending, firing, resolved), newest first.")
    static final class History implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "RULE", arity = "0..1", description = "Only this rule's alerts.")
        String rule;

        @Option(names = "--limit", defaultValue = "50", description = "Most entries shown (default ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (AlertDatabase db = AlertDatabase.open(DagsCommand.resolve(options))) {
                List<HistoryEntry> history = new AlertStore(db).history(Optional.ofNullable(rule), limit);
                if (json) {
                    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(history));
                    return 0;
                }
                if (history.isEmpty()) {
                    System.out.println("No alerts yet" + (rule == null ? "" : " of " + rule) + ".");
                    return 0;
                }
                System.out.printf("%-20s %-24s %-9s %-32s %s%n", "AT", "RULE", "STATE", "GROUP", "SUMMARY");
                for (HistoryEntry h : history) {
                    System.out.printf("%-20s %-24s %-9s %-32s %s%n", h.at().truncatedTo(ChronoUnit.SECONDS), h.rule(),
                            h.state(), h.group(), h.summary());
                }
            }
            return 0;
        }
    }

    @Command(name = "silence", description = "Hold back a rule's notifications (one group or all) for a while.")
    static final class SilenceRule implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "RULE")
        String rule;

        @Option(names = "--group", defaultValue = Silence.ALL_GROUPS, description = "Only this group (default: all).")
        String group;

        @Option(names = "--for", defaultValue = "1h", description = "How long, e.g. 30m, 2h (default ${DEFAULT-VALUE}).")
        String duration;

        @Option(names = "--reason", defaultValue = "", description = "Why, for the others.")
        String reason;

        @Override
        public Integer call() throws Exception {
            Config config = DagsCommand.resolve(options);
            if (AlertRule.fromConfig(config.getConfig("alerting")).stream().noneMatch(r -> r.name().equals(rule))) {
                throw new IllegalArgumentException("Unknown alert rule '" + rule + "': ./platform alerts list shows them");
            }
            Duration d = Duration.parse("PT" + duration.toUpperCase(Locale.ROOT));
            try (AlertDatabase db = AlertDatabase.open(config)) {
                Instant now = Instant.now();
                Silence s = new AlertStore(db).silence(rule, group, now.plus(d), System.getProperty("user.name", "cli"),
                        reason, now);
                System.out.printf("Silenced %s (%s) until %s%n", s.rule(), s.group(), s.until().truncatedTo(ChronoUnit.SECONDS));
            }
            return 0;
        }
    }

    @Command(name = "ack", description = "Acknowledge a pending or firing alert: someone is on it.")
    static final class Acknowledge implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "RULE")
        String rule;

        @Parameters(paramLabel = "GROUP", description = "The alert's group, as alerts list shows it.")
        String group;

        @Override
        public Integer call() throws Exception {
            try (AlertDatabase db = AlertDatabase.open(DagsCommand.resolve(options))) {
                if (!new AlertStore(db).acknowledge(rule, group, System.getProperty("user.name", "cli"), Instant.now())) {
                    System.out.println("No pending or firing alert " + rule + " / " + group);
                    return 1;
                }
                System.out.println("Acknowledged " + rule + " / " + group);
            }
            return 0;
        }
    }

    private static String human(Duration d) {
        return d.isZero() ? "0s" : d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
