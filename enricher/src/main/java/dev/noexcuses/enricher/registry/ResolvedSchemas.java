package dev.noexcuses.enricher.registry;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.noexcuses.common.event.SchemaRef;
import java.time.Duration;

/**
 * Resolves an event's schema reference to a compiled JSON Schema, through a cache: a found schema
 * is kept for {@code ttl}, a missing one for {@code missTtl} (so an event stream full of unknown
 * schemas does not hammer the registry). Registry outages are not cached.
 */
public final class ResolvedSchemas {
    private final SchemaSource source;
    /**
     * Draft 2020-12 makes {@code format} (email, date-time, uri, uuid ...) an annotation unless asked
     * otherwise; a schema that says an email is an email means it, so formats are asserted.
     */
    private final SchemaRegistry compiler = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    private final Cache<SchemaRef, Schema> found;
    private final Cache<SchemaRef, String> missing;

    public ResolvedSchemas(SchemaSource source, Duration ttl, Duration missTtl) {
        this.source = requireNonNull(source, "source is null");
        Caffeine<Object, Object> foundBuilder = Caffeine.newBuilder().maximumSize(10_000);
        if (!ttl.isZero()) {
            foundBuilder.expireAfterWrite(ttl);
        }
        this.found = foundBuilder.build();
        this.missing = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(missTtl).build();
    }

    /**
     * The compiled schema of {@code ref}.
     *
     * @throws SchemaNotFoundException when the registry has no such schema, or the schema does not compile
     * @throws RegistryUnavailableException when the registry cannot be read
     */
    public Schema resolve(SchemaRef ref) {
        Schema schema = found.getIfPresent(ref);
        if (schema != null) {
            return schema;
        }
        String knownMissing = missing.getIfPresent(ref);
        if (knownMissing != null) {
            throw new SchemaNotFoundException(knownMissing);
        }
        try {
            schema = compiler.getSchema(source.fetch(ref));
            schema.initializeValidators();
        } catch (SchemaNotFoundException e) {
            missing.put(ref, e.getMessage());
            throw e;
        } catch (SchemaException | IllegalArgumentException e) {
            String message = "Schema " + ref + " in the registry is not a valid JSON Schema: " + e.getMessage();
            missing.put(ref, message);
            throw new SchemaNotFoundException(message);
        }
        found.put(ref, schema);
        return schema;
    }

    public String describe() {
        return source.describe();
    }
}
