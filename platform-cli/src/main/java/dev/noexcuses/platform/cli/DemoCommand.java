package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.report.StageCounts;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.HistoryRun;
import dev.noexcuses.producers.simulator.HistorySimulator;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", description = {
        "Start the platform on embedded infrastructure, run the web-shop simulator through it,",
        "and print what each stage did. Stays up until Ctrl-C unless --exit is given."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    ProducerOptions producer;

    @Option(names = "--exit", description = "Stop the platform after the report instead of staying up.")
    boolean exit;

    @Option(names = "--history-days", paramLabel = "N", defaultValue = "42",
            description = "Days of past web-shop traffic to send first, then build into the lake model and the features, "
                    + "and, from " + (DemoHistoryBuild.TRAINING_DAYS + 1) + " days on, train the churn model, promote it "
                    + "and score the users (default: ${DEFAULT-VALUE}; 2 builds the lake and features only; 0 skips it all).")
    int historyDays;

    /** Users of the past traffic: enough for the churn model's holdout, few enough for a quick demo. */
    private static final int HISTORY_USERS = 200;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        if (!options.overrides.stream().anyMatch(o -> o.startsWith("batch-loader.flush.max-age"))) {
            // The demo wants lake rows within seconds, not after the production default of minutes.
            config = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("batch-loader.flush.max-age", "5s"))
                    .withFallback(config);
        }
        if (config.getStringList("collector.trusted-proxies").isEmpty()) {
            // The simulator relays its visitors' addresses in X-Forwarded-For from this machine: trust
            // loopback here, so they (and their countries and cities) show through the whole demo.
            config = com.typesafe.config.ConfigFactory.parseString(
                    "collector.trusted-proxies = [\"127.0.0.1/32\", \"::1/128\"]").withFallback(config);
        }
        PlatformRuntime runtime = PlatformRuntime.start(config, options.dataDir(config), System.out);
        try {
            Instant start = Instant.now();
            System.out.println();
            System.out.printf("Running the web-shop simulator: %s events at %s/s, seed %d, %.0f%% invalid, %.0f%% duplicated%n",
                    producer.maxEvents() == 0 ? "unbounded" : String.format("%,d", producer.maxEvents()),
                    producer.rate == 0 ? "max" : String.valueOf((long) producer.rate), producer.seed(),
                    producer.invalidShare * 100, producer.duplicateShare * 100);
            java.util.Optional<HistoryRun.Summary> history = java.util.Optional.empty();
            List<String> historyUsers = List.of();
            if (historyDays > 0) {
                int users = Math.min(producer.users, HISTORY_USERS);
                HistorySimulator past = new HistorySimulator(producer.seed(), producer.source, users,
                        java.time.Duration.ofDays(historyDays), Instant.now());
                historyUsers = past.userIds();
                System.out.printf("Sending %d days of past web-shop traffic (%s..%s) for the lakehouse%n", historyDays,
                        past.firstDay(), past.lastDay());
                try (EventClient client = producer.client(runtime.collectorUrl())) {
                    history = java.util.Optional.of(new HistoryRun(past, client, System.out, producer.duplicateShare,
                            producer.seed()).run());
                }
            }
            SimulationRun.Summary summary;
            try (EventClient client = producer.client(runtime.collectorUrl())) {
                summary = new SimulationRun(producer.simulator(), client, System.out)
                        .run(producer.maxEvents(), producer.maxDuration(), producer.rate);
            }
            new RunLog("demo", start, Instant.now(), summary.acceptedIds(), summary.rejected())
                    .write(options.dataDir(config));
            System.out.println("Waiting for every stage to finish this run's events...");
            StageCounts counts = awaitSettled(runtime, summary.acceptedIds(), start);
            printReport(summary, counts);
            java.util.Optional<DemoHistoryBuild> historyBuild = java.util.Optional.empty();
            if (history.isPresent()) {
                System.out.println("Waiting for the past traffic to reach the lake...");
                awaitSettled(runtime, history.get().acceptedIds(), start);
                historyBuild = java.util.Optional.of(new DemoHistoryBuild(runtime, options.arguments(config),
                        history.get().eventsPerDay().firstKey(), history.get().eventsPerDay().lastKey(), historyUsers));
            }
            if (!exit) {
                Foreground.printWhereToLook(runtime);
                // One Spark job after another takes minutes: the builds go on while the platform is up.
                historyBuild.ifPresent(DemoHistoryBuild::followInBackground);
                Foreground.waitForShutdown(runtime);
                return 0;
            }
            int built = historyBuild.isPresent() ? historyBuild.get().run() : 0;
            boolean consistent = counts.rawDistinct() == summary.acceptedIds().size()
                    && counts.rawDlq() >= summary.rejected() && summary.failed() == 0;
            return consistent && built == 0 ? 0 : 1;
        } finally {
            if (exit) {
                runtime.close();
            }
        }
    }

    /** Reads the stages until two reads two seconds apart agree (bounded), showing progress. */
    private static StageCounts awaitSettled(PlatformRuntime runtime, java.util.Set<String> acceptedIds, Instant start)
            throws InterruptedException {
        var stores = Connections.downstreamStores(runtime.serviceConfig());
        StageCounts previous = StageCounts.read(runtime.serviceConfig(), acceptedIds, start, stores);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Thread.sleep(2000);
            StageCounts now = StageCounts.read(runtime.serviceConfig(), acceptedIds, start, stores);
            System.out.printf("  raw %,d -> enriched %,d, failed %,d; %s%n", now.rawRecords(), now.enriched(),
                    now.enrichedFailed(), now.downstream());
            if (now.equals(previous)) {
                return now;
            }
            previous = now;
        }
        System.out.println("  (stages still moving after 90 s; showing the latest counts)");
        return previous;
    }

    private static void printReport(SimulationRun.Summary s, StageCounts c) {
        System.out.println();
        System.out.printf("Simulator sent %,d events in %.1f s (%,d valid, %,d invalid at the top level, %,d invalid data, %,d duplicate sends)%n",
                s.generated(), s.elapsed().toMillis() / 1000.0,
                s.byKind().getOrDefault(WebShopSimulator.Kind.VALID, 0L),
                s.byKind().getOrDefault(WebShopSimulator.Kind.INVALID_TOP_LEVEL, 0L),
                s.byKind().getOrDefault(WebShopSimulator.Kind.INVALID_DATA, 0L),
                s.byKind().getOrDefault(WebShopSimulator.Kind.DUPLICATE, 0L));
        System.out.println();
        System.out.printf("  %-44s %10s%n", "STAGE", "EVENTS");
        row("collector: accepted", s.accepted());
        row("collector: rejected (top-level checks)", s.rejected());
        row("collector: not delivered", s.failed());
        row("events.raw: records of this run", c.rawRecords());
        row("events.raw: distinct event ids", c.rawDistinct());
        row("events.raw.dlq: failed-event records", c.rawDlq());
        row("events.enriched: enriched", c.enriched());
        c.enrichedFailedByType().forEach((type, n) -> row("events.enriched.dlq: " + type, n));
        row("deduplicated (duplicate sends removed)", c.deduplicatedOrPending());
        c.downstream().forEach((store, n) -> row(store, n));
        System.out.println();
    }

    private static void row(String stage, long n) {
        System.out.printf("  %-44s %,10d%n", stage, n);
    }
}
