package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.platform.verify.Reconciler;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.platform.verify.StageCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", description = {
        "Reconcile the stages by event_id: collector acknowledgements vs events.raw and events.raw.dlq,",
        "raw vs enriched + failed + deduplicated, enriched vs every store downstream.",
        "Exits 1 when anything is missing or duplicated."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--since", description = "Start of the range (collector receive time): an ISO instant or an age such as 1h.")
    String since;

    @Option(names = "--until", description = "End of the range: an ISO instant or an age such as 10m (default: now).")
    String until;

    @Option(names = "--json", description = "Print JSON for machines.")
    boolean json;

    @Option(names = "--max-ids", description = "Ids listed per problem (default: ${DEFAULT-VALUE}).", defaultValue = "20")
    int maxIds;

    @Override
    public Integer call() throws Exception {
        Config config = Connections.resolve(options);
        Path dataDir = options.dataDir(config);
        Instant from = parse(since, Instant.EPOCH);
        Instant to = parse(until, Instant.now());
        List<RunLog> runs = RunLog.readAll(dataDir, from, to);
        if (!json) {
            System.out.printf("Reconciling events received %s .. %s (%d producer run log(s) in %s)%n",
                    since == null ? "ever" : from, to, runs.size(), dataDir.resolve(RunLog.DIR));
        }
        List<StageCheck> checks = new Reconciler(config, maxIds, Connections.downstreamStores(config)).reconcile(runs,
                from, to);
        boolean ok = checks.stream().allMatch(StageCheck::ok);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("ok", ok);
        out.put("since", from.toString());
        out.put("until", to.toString());
        out.set("stages", Json.mapper().valueToTree(checks));
        writeLastReport(dataDir, out);
        if (json) {
            System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        } else {
            System.out.printf("%n  %-46s %10s %10s %9s %10s  %s%n", "STAGE", "EXPECTED", "FOUND", "MISSING",
                    "DUPLICATED", "RESULT");
            for (StageCheck c : checks) {
                System.out.printf("  %-46s %,10d %,10d %,9d %,10d  %s%n", c.stage(), c.expected(), c.found(),
                        c.missing(), c.duplicated(), c.ok() ? "ok" : "LOST OR DUPLICATED");
            }
            for (StageCheck c : checks) {
                System.out.printf("%n  %s: %s%n", c.stage(), c.description());
                if (c.note() != null) {
                    System.out.println("    note: " + c.note());
                }
                if (!c.missingSample().isEmpty()) {
                    System.out.printf("    missing (%,d): %s%s%n", c.missing(), c.missingSample(),
                            c.missing() > c.missingSample().size() ? " ..." : "");
                }
                if (!c.duplicatedSample().isEmpty()) {
                    System.out.printf("    duplicated (%,d): %s%s%n", c.duplicated(), c.duplicatedSample(),
                            c.duplicated() > c.duplicatedSample().size() ? " ..." : "");
                }
            }
            System.out.println();
            System.out.println(ok ? "Nothing lost, nothing duplicated." : "Some events are missing or duplicated.");
        }
        return ok ? 0 : 1;
    }

    /** The console's Pipeline page shows the last reconciliation from here. */
    private static void writeLastReport(Path dataDir, ObjectNode report) {
        try {
            Path dir = dataDir.resolve("verify");
            java.nio.file.Files.createDirectories(dir);
            Path tmp = dir.resolve("last.json.tmp");
            java.nio.file.Files.write(tmp, Json.toBytes(report));
            java.nio.file.Files.move(tmp, dir.resolve("last.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            System.err.println("Cannot keep the report for the console in " + dataDir.resolve("verify") + ": " + e.getMessage());
        }
    }

    static Instant parse(String text, Instant fallback) {
        if (text == null) {
            return fallback;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            Duration age = com.typesafe.config.ConfigFactory.parseString("d = " + text).getDuration("d");
            return Instant.now().minus(age);
        }
    }
}
