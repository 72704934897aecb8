package dev.noexcuses.loader.batch.table;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two raw lake tables and their layout: typed top-level fields, collector metadata and
 * enrichments, {@code data} kept whole as JSON text, partitioned by day of the collector's
 * receive time. Where the Kafka record came from is kept too, for exactly-once audits.
 */
public final class EventTables {
    private static final Logger LOG = LoggerFactory.getLogger(EventTables.class);

    public static final Schema ENRICHED_EVENTS = new Schema(
            required(1, "event_id", Types.StringType.get()),
            required(2, "schema", Types.StringType.get()),
            optional(3, "schema_vendor", Types.StringType.get()),
            optional(4, "schema_name", Types.StringType.get()),
            optional(5, "schema_version", Types.StringType.get()),
            optional(6, "event_time", Types.TimestampType.withZone()),
            optional(7, "source", Types.StringType.get()),
            optional(8, "user_id", Types.StringType.get()),
            optional(9, "anonymous_id", Types.StringType.get()),
            required(10, "data", Types.StringType.get(), "the event's data object as JSON text"),
            optional(11, "received_at", Types.TimestampType.withZone(), "when the collector received the event"),
            optional(12, "collector_host", Types.StringType.get()),
            optional(13, "request_id", Types.StringType.get()),
            optional(14, "client_ip", Types.StringType.get()),
            optional(15, "user_agent", Types.StringType.get()),
            optional(16, "authenticated_source", Types.StringType.get()),
            optional(17, "transport", Types.StringType.get()),
            optional(18, "ua", Types.StructType.of(
                    optional(19, "browser", Types.StringType.get()),
                    optional(20, "browser_version", Types.StringType.get()),
                    optional(21, "os", Types.StringType.get()),
                    optional(22, "os_version", Types.StringType.get()),
                    optional(23, "device", Types.StringType.get())), "parsed user agent"),
            optional(24, "geo", Types.StructType.of(
                    optional(25, "country_code", Types.StringType.get()),
                    optional(26, "country", Types.StringType.get()),
                    optional(27, "city", Types.StringType.get()),
                    optional(37, "region", Types.StringType.get()),
                    optional(38, "latitude", Types.DoubleType.get(), "degrees north (WGS 84)"),
                    optional(39, "longitude", Types.DoubleType.get(), "degrees east (WGS 84)")),
                    "location of the client IP"),
            optional(28, "score", Types.StructType.of(
                    optional(29, "model", Types.StringType.get()),
                    optional(30, "version", Types.StringType.get()),
                    optional(31, "value", Types.DoubleType.get())), "real-time model score"),
            optional(32, "enrichments", Types.StringType.get(), "every enrichment as JSON text"),
            required(33, "kafka_topic", Types.StringType.get()),
            required(34, "kafka_partition", Types.IntegerType.get()),
            required(35, "kafka_offset", Types.LongType.get()),
            required(36, "loaded_at", Types.TimestampType.withZone()));

    public static final Schema FAILED_EVENTS = new Schema(
            required(1, "failure_id", Types.StringType.get()),
            required(2, "failure_type", Types.StringType.get()),
            optional(3, "component", Types.StringType.get()),
            optional(4, "errors", Types.ListType.ofRequired(5, Types.StructType.of(
                    required(6, "path", Types.StringType.get()),
                    required(7, "message", Types.StringType.get())))),
            optional(8, "event_id", Types.StringType.get()),
            optional(9, "payload", Types.StringType.get(), "the original payload, personal data pseudonymised"),
            optional(10, "payload_encoding", Types.StringType.get()),
            optional(11, "payload_truncated", Types.BooleanType.get()),
            required(12, "failed_at", Types.TimestampType.withZone()),
            optional(13, "received_at", Types.TimestampType.withZone(),
                    "the collector's receive time when the payload has it, else failed_at"),
            optional(14, "context", Types.MapType.ofRequired(15, 16, Types.StringType.get(), Types.StringType.get())),
            required(17, "kafka_topic", Types.StringType.get()),
            required(18, "kafka_partition", Types.IntegerType.get()),
            required(19, "kafka_offset", Types.LongType.get()),
            required(20, "loaded_at", Types.TimestampType.withZone()));

    private EventTables() {}

    public static PartitionSpec spec(Schema schema) {
        return PartitionSpec.builderFor(schema).day("received_at", "received_day").build();
    }

    /**
     * The table, created with {@code schema} when missing. {@code properties} are kept set on it;
     * commits are retried by the loader itself (see IcebergCommitter), so Iceberg's own retry is off.
     */
    public static Table ensure(Catalog catalog, TableIdentifier id, Schema schema, Map<String, String> properties) {
        Map<String, String> props = new HashMap<>(properties);
        props.put(TableProperties.COMMIT_NUM_RETRIES, "0");
        props.put(TableProperties.FORMAT_VERSION, props.getOrDefault(TableProperties.FORMAT_VERSION, "2"));
        if (catalog instanceof SupportsNamespaces namespaces && id.hasNamespace()
                && !namespaces.namespaceExists(id.namespace())) {
            try {
                namespaces.createNamespace(id.namespace());
            } catch (AlreadyExistsException ignored) {
                // Created meanwhile by another instance.
            }
        }
        Table table;
        if (!catalog.tableExists(id)) {
            try {
                table = catalog.createTable(id, schema, spec(schema), props);
                LOG.info("Created table {} at {}", id, table.location());
                return table;
            } catch (AlreadyExistsException e) {
                // Created meanwhile by another instance.
            }
        }
        table = catalog.loadTable(id);
        table = withColumnsOf(catalog, id, table, schema);
        UpdateProperties update = null;
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (TableProperties.FORMAT_VERSION.equals(e.getKey())) {
                continue;
            }
            if (!e.getValue().equals(table.properties().get(e.getKey()))) {
                update = update == null ? table.updateProperties() : update;
                update.set(e.getKey(), e.getValue());
            }
        }
        if (update != null) {
            update.commit();
            table.refresh();
        }
        return table;
    }

    /**
     * The table with every column of {@code schema} it lacks added (optional columns only, so rows
     * written before read them as null): tables made by an older loader gain what a newer one writes.
     */
    private static Table withColumnsOf(Catalog catalog, TableIdentifier id, Table table, Schema schema) {
        for (int attempt = 0; missingColumns(table.schema(), schema).size() > 0; attempt++) {
            List<String> missing = missingColumns(table.schema(), schema);
            try {
                table.updateSchema().unionByNameWith(schema).commit();
                LOG.info("Added columns {} to table {}", missing, id);
            } catch (CommitFailedException e) {
                // Another instance evolved it meanwhile: look again.
                if (attempt >= 5) {
                    throw e;
                }
            }
            table = catalog.loadTable(id);
        }
        return table;
    }

    private static List<String> missingColumns(Schema table, Schema wanted) {
        return TypeUtil.indexByName(wanted.asStruct()).keySet().stream()
                .filter(name -> table.findField(name) == null).sorted().toList();
    }

    public static TableIdentifier identifier(String name) {
        TableIdentifier id = TableIdentifier.parse(name);
        if (!id.hasNamespace()) {
            throw new IllegalArgumentException("Invalid table name: " + name + ", expected namespace.table");
        }
        return id;
    }

    public static Namespace namespaceOf(String name) {
        return identifier(name).namespace();
    }
}
