package dev.noexcuses.enricher.stream;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The enricher's processing topology, top to bottom as the data flows:
 * raw events → dedup, validate, enrich → enriched topic, or the DLQ.
 */
public final class EnricherTopology {
    public static final String DEDUP_STORE = "dedup-event-ids";

    private EnricherTopology() {}

    /** Topic names and dedup settings the topology is built with. */
    public record Options(String input, String output, String dlq, Optional<Duration> dedupWindow, boolean persistentStore) {
        public Options {
            requireNonNull(input, "input is null");
            requireNonNull(output, "output is null");
            requireNonNull(dlq, "dlq is null");
            requireNonNull(dedupWindow, "dedupWindow is null");
        }
    }

    public static Topology build(Options options, ResolvedSchemas schemas, EnrichmentChain chain,
                                 EnricherMetrics metrics, Clock clock) {
        StreamsBuilder builder = new StreamsBuilder();
        String[] stores = new String[0];
        if (options.dedupWindow().isPresent()) {
            builder.addStateStore(dedupStore(options.dedupWindow().get(), options.persistentStore()));
            stores = new String[] {DEDUP_STORE};
        }

        KStream<String, Routed> processed = builder
                .stream(options.input(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("read-raw-events"))
                .process(() -> new EnrichProcessor(schemas, chain, metrics, options.dedupWindow(), clock),
                        Named.as("dedup-validate-enrich"), stores);

        processed.split(Named.as("route-"))
                .branch((key, routed) -> !routed.failed(), Branched.withConsumer(enriched -> enriched
                        .mapValues(Routed::value, Named.as("enriched-bytes"))
                        .to(options.output(), Produced.with(Serdes.String(), Serdes.ByteArray())
                                .withName("write-enriched-events")), "enriched"))
                .defaultBranch(Branched.withConsumer(failed -> failed
                        .mapValues(Routed::value, Named.as("failed-bytes"))
                        .to(options.dlq(), Produced.with(Serdes.String(), Serdes.ByteArray())
                                .withName("write-failed-events")), "failed"));
        return builder.build();
    }

    private static StoreBuilder<WindowStore<String, Long>> dedupStore(Duration window, boolean persistent) {
        WindowBytesStoreSupplier supplier = persistent
                ? Stores.persistentWindowStore(DEDUP_STORE, window, window, false)
                : Stores.inMemoryWindowStore(DEDUP_STORE, window, window, false);
        return Stores.windowStoreBuilder(supplier, Serdes.String(), Serdes.Long());
    }
}
