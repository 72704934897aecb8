package dev.noexcuses.platform.cli;

import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the web-shop simulator and the SDK client, shared by demo and produce. */
final class ProducerOptions {
    @Option(names = "--events", paramLabel = "N",
            description = "Events to send (default: 3000, or no limit when --duration is given).")
    Long events;

    @Option(names = "--duration", paramLabel = "D", description = "Stop after this long, e.g. 30s or 5m.")
    String duration;

    @Option(names = "--rate", paramLabel = "EPS", description = "Events per second (default: ${DEFAULT-VALUE}; 0: as fast as possible).",
            defaultValue = "500")
    double rate;

    @Option(names = "--seed", description = "Simulator seed: the same seed sends the same events again, event ids "
            + "included (default: a fresh seed each run, printed).")
    Long seed;

    @Option(names = "--users", description = "Distinct simulated users (default: ${DEFAULT-VALUE}).", defaultValue = "500")
    int users;

    @Option(names = "--invalid-share", description = "Share of deliberately invalid events, 0..1 (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.05")
    double invalidShare;

    @Option(names = "--duplicate-share", description = "Share of events sent twice with the same event_id (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.02")
    double duplicateShare;

    @Option(names = "--source", description = "Source (app id) of the events (default: ${DEFAULT-VALUE}).", defaultValue = "web-shop")
    String source;

    @Option(names = "--key", description = "Write key (default: ${DEFAULT-VALUE}).", defaultValue = "local-dev-key")
    String writeKey;

    @Option(names = "--protocol", description = "rest (JSON), rest-protobuf or grpc (default: ${DEFAULT-VALUE}).",
            defaultValue = "rest")
    String protocol;

    @Option(names = "--batch-size", description = "Events per request (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    int batchSize;

    @Option(names = "--ca-file", paramLabel = "PEM",
            description = "CA certificates to trust for an https:// collector URL (one with its own CA).")
    java.nio.file.Path caFile;

    Duration maxDuration() {
        if (duration == null) {
            return null;
        }
        return com.typesafe.config.ConfigFactory.parseString("d = " + duration).getDuration("d");
    }

    long maxEvents() {
        if (events != null) {
            return events;
        }
        return duration != null ? 0 : 3000;
    }

    /**
     * The {@code --seed} given, else one drawn for this run: a fixed default would send the same event ids
     * every run, and the enricher would remove a second run's events as duplicates of the first's.
     */
    long seed() {
        if (seed == null) {
            seed = new SecureRandom().nextLong() & Long.MAX_VALUE;
        }
        return seed;
    }

    WebShopSimulator simulator() {
        return new WebShopSimulator(seed(), source, users, invalidShare, duplicateShare);
    }

    EventClient client(String collectorUrl) {
        EventClient.Protocol p = switch (protocol) {
            case "rest" -> EventClient.Protocol.REST_JSON;
            case "rest-protobuf" -> EventClient.Protocol.REST_PROTOBUF;
            case "grpc" -> EventClient.Protocol.GRPC;
            default -> throw new IllegalArgumentException("Unknown --protocol '" + protocol
                    + "': use rest, rest-protobuf or grpc");
        };
        EventClient.Builder builder = EventClient.builder(URI.create(collectorUrl)).writeKey(writeKey).protocol(p)
                .batchSize(batchSize);
        if (caFile != null) {
            builder.caFile(caFile);
        }
        return builder.build();
    }
}
