package dev.noexcuses.enricher.stream;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The enricher's processing topology, top to bottom as the data flows:
 * raw events → dedup, validate, enrich → the enriched topic, or the DLQ.
 */
public final class EnricherTopology {
    public static final String DEDUP_STORE = "dedup-event-ids";
    static final String READ_RAW = "read-raw-events";
    static final String PROCESS = "dedup-validate-enrich";
    static final String WRITE_ENRICHED = "write-enriched-events";
    static final String WRITE_FAILED = "write-failed-events";

    private EnricherTopology() {}

    /** Topic names and dedup settings the topology is built with. */
    public record Options(String input, String output, String dlq, Optional<Duration> dedupWindow,
                          boolean persistentStore) {
        public Options {
            requireNonNull(input, "input is null");
            requireNonNull(output, "output is null");
            requireNonNull(dlq, "dlq is null");
            requireNonNull(dedupWindow, "dedupWindow is null");
        }
    }

    public static Topology build(Options options, ResolvedSchemas schemas, EnrichmentChain chain,
                                 EnricherMetrics metrics, Clock clock) {
        Topology topology = new Topology()
                .addSource(READ_RAW, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), options.input())
                .addProcessor(PROCESS, () -> new EnrichProcessor(schemas, chain, metrics, options.dedupWindow(), clock),
                        READ_RAW)
                .addSink(WRITE_ENRICHED, options.output(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                        PROCESS)
                .addSink(WRITE_FAILED, options.dlq(), Serdes.String().serializer(), Serdes.ByteArray().serializer(),
                        PROCESS);
        if (options.dedupWindow().isPresent()) {
            topology.addStateStore(dedupStore(options.persistentStore()), PROCESS);
        }
        return topology;
    }

    private static StoreBuilder<KeyValueStore<String, Long>> dedupStore(boolean persistent) {
        KeyValueBytesStoreSupplier supplier = persistent
                ? Stores.persistentKeyValueStore(DEDUP_STORE)
                : Stores.inMemoryKeyValueStore(DEDUP_STORE);
        return Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.Long());
    }
}
