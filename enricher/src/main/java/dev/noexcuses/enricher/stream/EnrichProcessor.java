package dev.noexcuses.enricher.stream;

import static java.util.Objects.requireNonNull;

import com.networknt.schema.Schema;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.enrich.EnrichmentException;
import dev.noexcuses.enricher.registry.RegistryUnavailableException;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import dev.noexcuses.enricher.registry.SchemaNotFoundException;
import dev.noexcuses.enricher.validate.DataValidator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raw event in, at most one record out: parse, drop if its {@code event_id} was already emitted
 * within the dedup window, validate {@code data} against its schema, enrich. The output is the
 * enriched event (keyed by its, possibly pseudonymised, user) or a failed-event record keeping the
 * raw bytes untouched (keyed as the raw record). Only emitted events enter the dedup store, so a
 * failed event replayed from the DLQ is processed again.
 */
final class EnrichProcessor implements Processor<String, byte[], String, Routed> {
    static final String COMPONENT = "enricher";
    private static final Logger LOG = LoggerFactory.getLogger(EnrichProcessor.class);

    private final ResolvedSchemas schemas;
    private final EnrichmentChain chain;
    private final EnricherMetrics metrics;
    private final Optional<Duration> dedupWindow;
    private final Clock clock;
    private ProcessorContext<String, Routed> context;
    private WindowStore<String, Long> seen;

    EnrichProcessor(ResolvedSchemas schemas, EnrichmentChain chain, EnricherMetrics metrics,
                    Optional<Duration> dedupWindow, Clock clock) {
        this.schemas = requireNonNull(schemas, "schemas is null");
        this.chain = requireNonNull(chain, "chain is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.dedupWindow = requireNonNull(dedupWindow, "dedupWindow is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public void init(ProcessorContext<String, Routed> context) {
        this.context = context;
        if (dedupWindow.isPresent()) {
            this.seen = context.getStateStore(EnricherTopology.DEDUP_STORE);
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        byte[] raw = record.value() == null ? new byte[0] : record.value();
        EventEnvelope event;
        try {
            event = Json.fromBytes(raw, EventEnvelope.class);
        } catch (RuntimeException e) {
            fail(record, FailureType.PAYLOAD_FORMAT, null, List.of(new FailureError("$",
                    "Not an event envelope: " + e.getMessage())), Map.of());
            return;
        }
        if (alreadyEmitted(event.eventId(), record.timestamp())) {
            metrics.duplicate();
            return;
        }
        Optional<SchemaRef> ref = SchemaRef.parse(event.schema());
        if (ref.isEmpty()) {
            fail(record, FailureType.SCHEMA_VIOLATION, event.eventId(), List.of(new FailureError("$.schema",
                    "Invalid schema reference '" + event.schema() + "': expected vendor/name/MAJOR-MINOR-PATCH")),
                    Map.of("schema", event.schema()));
            return;
        }
        Schema schema;
        try {
            schema = schemas.resolve(ref.get());
        } catch (SchemaNotFoundException e) {
            fail(record, FailureType.SCHEMA_VIOLATION, event.eventId(),
                    List.of(new FailureError("$.schema", e.getMessage())), Map.of("schema", event.schema()));
            return;
        } catch (RegistryUnavailableException e) {
            fail(record, FailureType.ENRICHMENT_FAILURE, event.eventId(),
                    List.of(new FailureError("$.schema", "Schema registry unavailable: " + e.getMessage())),
                    Map.of("schema", event.schema(), "enrichment", "schema-registry"));
            return;
        }
        List<FailureError> violations = DataValidator.validate(schema, event.data());
        if (!violations.isEmpty()) {
            fail(record, FailureType.SCHEMA_VIOLATION, event.eventId(), violations, Map.of("schema", event.schema()));
            return;
        }
        EventEnvelope enriched;
        try {
            enriched = chain.enrich(event);
        } catch (EnrichmentException e) {
            fail(record, FailureType.ENRICHMENT_FAILURE, event.eventId(),
                    List.of(new FailureError("$.enrichments." + e.enrichment(), e.getMessage())),
                    Map.of("schema", event.schema(), "enrichment", e.enrichment()));
            return;
        } catch (RuntimeException e) {
            LOG.warn("Enrichment of event {} failed unexpectedly", event.eventId(), e);
            fail(record, FailureType.ENRICHMENT_FAILURE, event.eventId(),
                    List.of(new FailureError("$.enrichments", "Unexpected enrichment error: " + e)),
                    Map.of("schema", event.schema()));
            return;
        }
        String key = enriched.partitionKey() != null ? enriched.partitionKey() : record.key();
        context.forward(record.withKey(key).withValue(Routed.enriched(Json.toBytes(enriched))));
        remember(event.eventId(), record.timestamp());
        metrics.enriched();
    }

    private boolean alreadyEmitted(String eventId, long timestamp) {
        if (seen == null) {
            return false;
        }
        long window = dedupWindow.orElseThrow().toMillis();
        try (WindowStoreIterator<Long> it = seen.fetch(eventId, Instant.ofEpochMilli(Math.max(0, timestamp - window)),
                Instant.ofEpochMilli(timestamp + window))) {
            return it.hasNext();
        }
    }

    private void remember(String eventId, long timestamp) {
        if (seen != null) {
            seen.put(eventId, timestamp, timestamp);
        }
    }

    private void fail(Record<String, byte[]> record, FailureType type, String eventId, List<FailureError> errors,
                      Map<String, String> extra) {
        Map<String, String> where = new LinkedHashMap<>();
        Optional<RecordMetadata> origin = context.recordMetadata();
        origin.ifPresent(m -> {
            where.put("topic", m.topic());
            where.put("partition", String.valueOf(m.partition()));
            where.put("offset", String.valueOf(m.offset()));
        });
        where.putAll(extra);
        byte[] raw = record.value() == null ? new byte[0] : record.value();
        FailedEvent failed = FailedEvent.ofBytes(type, COMPONENT, errors, eventId, raw, Integer.MAX_VALUE,
                clock.instant(), where);
        context.forward(record.withValue(Routed.failed(Json.toBytes(failed))));
        metrics.failed(type);
    }
}
