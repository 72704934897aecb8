package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.enricher.replay.DlqReplayer;
import dev.noexcuses.enricher.replay.ReplayRequest;
import dev.noexcuses.enricher.replay.ReplayResult;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "replay-dlq", description = {
        "Re-submit the original events of failed records to events.raw, after the cause is fixed.",
        "Events already enriched are removed again by the enricher's deduplication."})
final class ReplayDlqCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--from", description = "Dead-letter topic to read (default: ${DEFAULT-VALUE}).",
            defaultValue = Topics.ENRICHED_DLQ)
    String from;

    @Option(names = "--to", description = "Topic to re-submit to (default: ${DEFAULT-VALUE}).", defaultValue = Topics.RAW)
    String to;

    @Option(names = "--failure-type", paramLabel = "T",
            description = "Only records of this type: schema_violation, enrichment_failure, ...")
    String failureType;

    @Option(names = "--since", paramLabel = "TIME", description = "Only records failed since: an ISO instant or an age such as 2h.")
    String since;

    @Override
    public Integer call() throws Exception {
        Config config = Connections.resolve(options);
        Optional<FailureType> type = Optional.ofNullable(failureType).map(t -> {
            try {
                return FailureType.fromWireName(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unknown --failure-type '" + t + "'");
            }
        });
        Optional<Instant> from0 = Optional.ofNullable(since).map(s -> VerifyCommand.parse(s, Instant.EPOCH));
        System.out.printf("Replaying %s -> %s%s%s%n", from, to, type.map(t -> ", type " + t.wireName()).orElse(""),
                from0.map(t -> ", failed since " + t).orElse(""));
        long[] lastPrint = {0};
        ReplayResult result = new DlqReplayer(config).replay(new ReplayRequest(from, to, type, from0),
                (scanned, total, replayed, skipped) -> {
                    long now = System.currentTimeMillis();
                    if (now - lastPrint[0] >= 1000 || scanned == total) {
                        lastPrint[0] = now;
                        System.out.printf("  scanned %,d of %,d: replayed %,d, skipped %,d%n", scanned, total,
                                replayed, skipped);
                    }
                });
        System.out.printf("Done: scanned %,d failed records, replayed %,d, skipped %,d%n", result.scanned(),
                result.replayed(), result.skipped());
        if (result.failedAgain() > 0) {
            System.out.printf("%,d events still fail the collector's top-level checks: they are back in %s with new"
                    + " records (context replayed_from_failure)%n", result.failedAgain(), Topics.RAW_DLQ);
        }
        return 0;
    }
}
