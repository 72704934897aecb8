package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.ShippedDags;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskInstance;
import dev.noexcuses.platform.report.StageCounts;
import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.HistoryRun;
import dev.noexcuses.producers.simulator.HistorySimulator;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.time.Clock;
import java.time.Duration;
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

    @Option(names = "--history-days", paramLabel = "N", defaultValue = "2",
            description = "Days of past web-shop traffic to send first, then model with the daily_lakehouse DAG "
                    + "(default: ${DEFAULT-VALUE}; 0 skips the lakehouse part).")
    int historyDays;

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
            if (historyDays > 0) {
                HistorySimulator past = new HistorySimulator(producer.seed(), producer.source, Math.min(producer.users, 200),
                        java.time.Duration.ofDays(historyDays), Instant.now());
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
            StageCounts counts = awaitSettled(runtime, summary, start);
            printReport(summary, counts);
            java.util.Optional<LakehouseRuns> lakehouseRuns = history.map(h -> LakehouseRuns.queue(runtime, h));
            if (!exit) {
                Foreground.printWhereToLook(runtime);
                // One Spark job after another takes minutes a day: the runs go on while the platform is up.
                lakehouseRuns.ifPresent(LakehouseRuns::followInBackground);
                Foreground.waitForShutdown(runtime);
                return 0;
            }
            int lakehouse = lakehouseRuns.isPresent() ? lakehouseRuns.get().follow() : 0;
            boolean consistent = counts.rawDistinct() == summary.acceptedIds().size()
                    && counts.rawDlq() >= summary.rejected() && summary.failed() == 0;
            return consistent && lakehouse == 0 ? 0 : 1;
        } finally {
            if (exit) {
                runtime.close();
            }
        }
    }

    /**
     * The lake model and the features of the days sent, built the way production builds them: a run of the
     * orchestrator's daily_lakehouse DAG per day (a backfill), then, once those are done, a run of
     * daily_features per day (features.* built from the model, changed rows materialised into Redis). The
     * platform's scheduler runs them in date order, so the runs, their attempts and logs are in the run history,
     * on the console's Runs page and in ./platform dags runs.
     */
    private record LakehouseRuns(Config config, java.time.LocalDate from, java.time.LocalDate to,
                                 List<DagRun> lakehouse) {
        static LakehouseRuns queue(PlatformRuntime runtime, HistoryRun.Summary history) {
            java.time.LocalDate from = history.eventsPerDay().firstKey();
            java.time.LocalDate to = history.eventsPerDay().lastKey();
            Config config = runtime.serviceConfig();
            List<DagRun> queued = backfill(config, ShippedDags.dailyLakehouse().id(), from, to,
                    "each day runs quality -> curate -> sessions -> model, one Spark job at a time");
            return new LakehouseRuns(config, from, to, queued);
        }

        private static List<DagRun> backfill(Config config, String dag, java.time.LocalDate from,
                                             java.time.LocalDate to, String what) {
            try (Database db = DagsCommand.open(config)) {
                List<DagRun> queued = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC()).backfill(dag, from, to);
                System.out.println();
                System.out.printf("Queued %d run(s) of %s for %s..%s (./platform dags backfill %s --from %s --to %s): %s%n",
                        queued.size(), dag, from, to, dag, from, to, what);
                return queued;
            }
        }

        void followInBackground() {
            System.out.println("The runs go on while the platform is up; progress follows here, and on the console's "
                    + "Runs page.");
            Thread follower = new Thread(() -> {
                try {
                    follow();
                } catch (Exception e) {
                    // The platform stopped (Ctrl-C) while runs were going: they resume at the next start.
                }
            }, "demo-lakehouse-runs");
            follower.setDaemon(true);
            follower.start();
        }

        /**
         * Follows the lakehouse runs to their end, then queues and follows the feature runs of the same days, with
         * progress, then prints them; 0 unless one failed for another reason than its data's quality.
         */
        int follow() throws InterruptedException {
            Outcome lake = followAndPrint(lakehouse);
            if (lake != Outcome.ALL_SUCCEEDED) {
                // The features of a day wait for its model: without one they would retry for hours.
                System.out.println("Features not built: not every day's lakehouse model was built (see above); "
                        + "./platform dags backfill daily_features --from " + from + " --to " + to + " builds them later.");
                return lake == Outcome.FAILED ? 1 : 0;
            }
            List<DagRun> features = backfill(config, ShippedDags.dailyFeatures().id(), from, to,
                    "each day builds features.* from the day's model, then writes the changed rows into Redis");
            boolean failedOtherwise = followAndPrint(features) != Outcome.ALL_SUCCEEDED;
            System.out.println("Features: ./platform features list, ./platform features get USER_KEY (online, from Redis), "
                    + "docs/feature-store.md");
            return failedOtherwise ? 1 : 0;
        }

        /** How a backfill ended: every run succeeded; some stopped only on their data's quality checks; or some failed. */
        private enum Outcome { ALL_SUCCEEDED, QUALITY_STOPPED, FAILED }

        private Outcome followAndPrint(List<DagRun> queued) throws InterruptedException {
            try (Database db = DagsCommand.open(config)) {
                DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
                new DagsCommand.Progress(runs, config, db).follow(queued);
                System.out.println();
                System.out.printf("  %-16s %-10s %-8s %9s  %s%n", "DAG", "DAY", "STATE", "DURATION", "TASKS");
                boolean failedOtherwise = false;
                boolean allSucceeded = true;
                for (DagRun r : queued) {
                    DagRun now = runs.refresh(r);
                    List<TaskInstance> tasks = runs.tasks(now);
                    System.out.printf("  %-16s %-10s %-8s %9s  %s%n", now.dagId(), now.date(), now.state(),
                            now.startedAt() == null || now.endedAt() == null ? "-"
                                    : DagsCommand.human(Duration.between(now.startedAt(), now.endedAt())),
                            DagsCommand.tasksLine(tasks));
                    if (now.reason() != null) {
                        System.out.printf("  %-16s %s%n", "", "why: " + now.reason());
                    }
                    // A day that fails its quality checks is news, not a broken demo.
                    boolean qualityStopped = tasks.stream().anyMatch(t -> t.taskId().equals("quality")
                            && t.state().equals("failed"));
                    failedOtherwise |= !now.state().equals("success") && !qualityStopped;
                    allSucceeded &= now.state().equals("success");
                }
                System.out.println("Runs, attempts and logs: ./platform dags runs " + queued.get(0).dagId()
                        + " --date DAY, or the console's Runs page");
                return failedOtherwise ? Outcome.FAILED : allSucceeded ? Outcome.ALL_SUCCEEDED : Outcome.QUALITY_STOPPED;
            }
        }
    }

    /** Reads the stages until two reads two seconds apart agree (bounded), showing progress. */
    private static StageCounts awaitSettled(PlatformRuntime runtime, SimulationRun.Summary summary, Instant start)
            throws InterruptedException {
        var stores = Connections.downstreamStores(runtime.serviceConfig());
        StageCounts previous = StageCounts.read(runtime.serviceConfig(), summary.acceptedIds(), start, stores);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Thread.sleep(2000);
            StageCounts now = StageCounts.read(runtime.serviceConfig(), summary.acceptedIds(), start, stores);
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
