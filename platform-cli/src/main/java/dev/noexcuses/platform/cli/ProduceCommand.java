package dev.noexcuses.platform.cli;

import dev.noexcuses.platform.verify.RunLog;
import dev.noexcuses.producers.replay.FileReplay;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.HistoryRun;
import dev.noexcuses.producers.simulator.HistorySimulator;
import dev.noexcuses.producers.simulator.SimulationRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", description = "Send events to a collector: the web-shop simulator, or a JSONL/CSV file with --file.")
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    ProducerOptions producer;

    @Mixin
    ConfigOptions options;

    @Option(names = "--url", description = "Collector base URL (default: ${DEFAULT-VALUE}).", defaultValue = "http://localhost:8080")
    String url;

    @Option(names = "--file", paramLabel = "FILE", description = "Replay this .jsonl/.ndjson or .csv file instead of simulating.")
    Path file;

    @Option(names = "--history", paramLabel = "DAYS",
            description = "Send this much past traffic (e.g. 30d) ending now, day by day: seasonality, returning users, "
                    + "funnels, logins, users who fade and stop. Uses --users, --seed, --duplicate-share.")
    String history;

    @Override
    public Integer call() throws Exception {
        java.nio.file.Path dataDir = options.dataDir(options.load());
        java.time.Instant started = java.time.Instant.now();
        try (EventClient client = producer.client(url)) {
            if (file != null) {
                System.out.println("Replaying " + file + " into " + url);
                FileReplay.Summary s = new FileReplay(client, System.out).replay(file);
                System.out.printf("Replayed %,d lines: sent %,d, accepted %,d, rejected %,d, not delivered %,d, unreadable %,d%n",
                        s.lines(), s.sent(), s.accepted(), s.rejected(), s.failed(), s.unreadable().size());
                s.unreadable().stream().limit(20).forEach(u -> System.out.println("  unreadable " + u));
                new RunLog("replay", started, java.time.Instant.now(), s.acceptedIds(), s.rejected()).write(dataDir);
                return s.failed() == 0 && s.unreadable().isEmpty() ? 0 : 1;
            }
            if (history != null) {
                return sendHistory(client, dataDir, started);
            }
            System.out.printf("Simulating the web shop into %s with seed %d (--seed %d sends the same events again)%n",
                    url, producer.seed(), producer.seed());
            SimulationRun.Summary s = new SimulationRun(producer.simulator(), client, System.out)
                    .run(producer.maxEvents(), producer.maxDuration(), producer.rate);
            System.out.printf("Sent %,d events in %.1f s: accepted %,d, rejected %,d, not delivered %,d%n",
                    s.generated(), s.elapsed().toMillis() / 1000.0, s.accepted(), s.rejected(), s.failed());
            new RunLog("produce", started, java.time.Instant.now(), s.acceptedIds(), s.rejected()).write(dataDir);
            return s.failed() == 0 ? 0 : 1;
        }
    }

    private int sendHistory(EventClient client, java.nio.file.Path dataDir, java.time.Instant started) throws Exception {
        java.time.Duration span = com.typesafe.config.ConfigFactory.parseString("d = " + history).getDuration("d");
        HistorySimulator simulator = new HistorySimulator(producer.seed(), producer.source, producer.users, span,
                java.time.Instant.now());
        System.out.printf("Sending %d days of web-shop history (%s..%s, %,d users, seed %d) into %s%n", span.toDays(),
                simulator.firstDay(), simulator.lastDay(), producer.users, producer.seed(), url);
        HistoryRun.Summary s = new HistoryRun(simulator, client, System.out, producer.duplicateShare, producer.seed()).run();
        System.out.printf("Sent %,d events (%,d days) in %.1f s: accepted %,d, rejected %,d, not delivered %,d%n", s.sent(),
                s.eventsPerDay().size(), s.elapsed().toMillis() / 1000.0, s.accepted(), s.rejected(), s.failed());
        new RunLog("produce-history", started, java.time.Instant.now(), s.acceptedIds(), s.rejected()).write(dataDir);
        return s.failed() == 0 ? 0 : 1;
    }
}
