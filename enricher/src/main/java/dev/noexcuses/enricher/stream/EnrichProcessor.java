package dev.noexcuses.enricher.stream;

import static java.util.Objects.requireNonNull;

import com.networknt.schema.Schema;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.enrich.EnrichmentException;
import dev.noexcuses.enricher.enrich.Event;
import dev.noexcuses.enricher.registry.RegistryUnavailableException;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import dev.noexcuses.enricher.registry.SchemaNotFoundException;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.enricher.validate.DataValidator;
import dev.noexcuses.enricher.validate.PersonalDataFields;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raw event in, at most one record out: parse, drop if its {@code event_id} was already emitted
 * within the dedup window, validate {@code data} against its schema, enrich. The output is the
 * enriched event (keyed by its, possibly pseudonymised, user) or a failed-event record keeping the
 * raw bytes untouched (keyed as the raw record). Only emitted events enter the dedup store, so a
 * failed event replayed from the DLQ is processed again.
 *
 * <p>The dedup store maps an event id to the timestamp it was first emitted at: a point lookup
 * (RocksDB answers "absent" from its bloom filters, the common case). A punctuator deletes ids older
 * than the window, measured in record time.
 */
final class EnrichProcessor implements Processor<String, byte[], String, byte[]> {
    static final String COMPONENT = "enricher";
    private static final Logger LOG = LoggerFactory.getLogger(EnrichProcessor.class);
    private static final int SCHEMA_REFS_KEPT = 1_000;

    private final ResolvedSchemas schemas;
    private final EnrichmentChain chain;
    private final EnricherMetrics metrics;
    private final Optional<Duration> dedupWindow;
    private final Clock clock;
    /** Parsed {@code schema} texts: the same few strings arrive on every event. */
    private final Map<String, Optional<SchemaRef>> schemaRefs = new HashMap<>();
    private final PersonalDataFields personalData = new PersonalDataFields();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, Long> emitted;
    private long latestTimestamp = Long.MIN_VALUE;

    EnrichProcessor(ResolvedSchemas schemas, EnrichmentChain chain, EnricherMetrics metrics,
                    Optional<Duration> dedupWindow, Clock clock) {
        this.schemas = requireNonNull(schemas, "schemas is null");
        this.chain = requireNonNull(chain, "chain is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.dedupWindow = requireNonNull(dedupWindow, "dedupWindow is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        if (dedupWindow.isPresent()) {
            this.emitted = context.getStateStore(EnricherTopology.DEDUP_STORE);
            Duration every = Duration.ofMillis(Math.max(1_000, Math.min(60_000, dedupWindow.get().toMillis() / 4)));
            context.schedule(every, PunctuationType.WALL_CLOCK_TIME, now -> expireEmittedIds());
        }
    }

    @Override
    public void process(Record<String, byte[]> record) {
        byte[] raw = record.value() == null ? new byte[0] : record.value();
        Event event;
        try {
            event = Event.parse(raw);
        } catch (IllegalArgumentException e) {
            fail(record, FailureType.PAYLOAD_FORMAT, null, List.of(new FailureError("$", e.getMessage())), Map.of());
            return;
        }
        String eventId = event.eventId();
        latestTimestamp = Math.max(latestTimestamp, record.timestamp());
        if (alreadyEmitted(eventId, record.timestamp())) {
            metrics.duplicate();
            return;
        }
        String schemaText = event.schema();
        Optional<SchemaRef> ref = schemaRef(schemaText);
        if (ref.isEmpty()) {
            fail(record, FailureType.SCHEMA_VIOLATION, eventId, List.of(new FailureError("$.schema",
                    "Invalid schema reference '" + schemaText + "': expected vendor/name/MAJOR-MINOR-PATCH")),
                    Map.of("schema", schemaText));
            return;
        }
        Schema schema;
        try {
            schema = schemas.resolve(ref.get());
        } catch (SchemaNotFoundException e) {
            fail(record, FailureType.SCHEMA_VIOLATION, eventId, List.of(new FailureError("$.schema", e.getMessage())),
                    Map.of("schema", schemaText));
            return;
        } catch (RegistryUnavailableException e) {
            fail(record, FailureType.ENRICHMENT_FAILURE, eventId,
                    List.of(new FailureError("$.schema", "Schema registry unavailable: " + e.getMessage())),
                    Map.of("schema", schemaText, "enrichment", "schema-registry"));
            return;
        }
        List<String> personal = personalData.of(schema);
        event.markPersonal(personal);
        // The loaders pseudonymise these fields too before failed records reach analysts.
        Map<String, String> known = new LinkedHashMap<>();
        known.put("schema", schemaText);
        if (!personal.isEmpty()) {
            known.put(Pseudonymiser.PII_FIELDS_CONTEXT, String.join(",", personal));
        }
        List<FailureError> violations = DataValidator.validate(schema, event.data());
        if (!violations.isEmpty()) {
            fail(record, FailureType.SCHEMA_VIOLATION, eventId, violations, known);
            return;
        }
        try {
            chain.enrich(event);
        } catch (EnrichmentException e) {
            known.put("enrichment", e.enrichment());
            fail(record, FailureType.ENRICHMENT_FAILURE, eventId,
                    List.of(new FailureError("$.enrichments." + e.enrichment(), e.getMessage())), known);
            return;
        } catch (RuntimeException e) {
            LOG.warn("Enrichment of event {} failed unexpectedly", eventId, e);
            fail(record, FailureType.ENRICHMENT_FAILURE, eventId,
                    List.of(new FailureError("$.enrichments", "Unexpected enrichment error: " + e)), known);
            return;
        }
        String key = event.partitionKey().orElse(record.key());
        context.forward(record.withKey(key).withValue(event.toBytes()), EnricherTopology.WRITE_ENRICHED);
        if (emitted != null) {
            emitted.put(eventId, record.timestamp());
        }
        metrics.enriched();
    }

    private Optional<SchemaRef> schemaRef(String text) {
        Optional<SchemaRef> ref = schemaRefs.get(text);
        if (ref == null) {
            if (schemaRefs.size() >= SCHEMA_REFS_KEPT) {
                schemaRefs.clear();
            }
            ref = SchemaRef.parse(text);
            schemaRefs.put(text, ref);
        }
        return ref;
    }

    private boolean alreadyEmitted(String eventId, long timestamp) {
        if (emitted == null) {
            return false;
        }
        Long first = emitted.get(eventId);
        return first != null && timestamp - first <= dedupWindow.orElseThrow().toMillis();
    }

    /** Deletes ids first emitted more than the window before the newest record seen. */
    private void expireEmittedIds() {
        if (latestTimestamp == Long.MIN_VALUE) {
            return;
        }
        long cutoff = latestTimestamp - dedupWindow.orElseThrow().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = emitted.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                if (entry.value < cutoff) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(emitted::delete);
        if (!expired.isEmpty()) {
            LOG.debug("Dedup store: {} event ids older than the window removed", expired.size());
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
        context.forward(record.withValue(Json.toBytes(failed)), EnricherTopology.WRITE_FAILED);
        metrics.failed(type);
    }
}
