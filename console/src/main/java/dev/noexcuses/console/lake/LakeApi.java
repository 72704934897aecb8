package dev.noexcuses.console.lake;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Get;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.web.JsonResponses;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.types.Types;

/**
 * The lake from its Iceberg catalog: every table with its snapshots, data files, rows and bytes
 * (from snapshot summaries, no data read), and the quality checks' results, failures first.
 */
public final class LakeApi implements AutoCloseable {
    static final TableIdentifier QUALITY = TableIdentifier.of("quality", "check_results");
    private static final int MAX_QUALITY_ROWS = 2000;

    private final Config config;
    private JdbcCatalog catalog;

    public LakeApi(Config config) {
        this.config = requireNonNull(config, "config is null");
    }

    private synchronized JdbcCatalog catalog() {
        if (catalog == null) {
            catalog = LakeCatalog.open(config);
        }
        return catalog;
    }

    @Get("/api/lake")
    @Blocking
    public HttpResponse tables() {
        if (!LakeCatalog.configured(config)) {
            return notConfigured();
        }
        ObjectNode out = JsonResponses.object().put("available", true);
        ArrayNode tables = out.putArray("tables");
        JdbcCatalog c;
        List<TableIdentifier> ids = new ArrayList<>();
        try {
            c = catalog();
            for (Namespace ns : c.listNamespaces()) {
                ids.addAll(c.listTables(ns));
            }
        } catch (RuntimeException e) {
            // An empty catalog database has no Iceberg tables yet.
            out.put("message", "No tables yet (" + e.getMessage() + ")");
            return JsonResponses.ok(out);
        }
        ids.sort(Comparator.comparing(TableIdentifier::toString));
        for (TableIdentifier id : ids) {
            ObjectNode t = tables.addObject().put("name", id.toString());
            try {
                Table table = c.loadTable(id);
                Snapshot current = table.currentSnapshot();
                List<Snapshot> snapshots = new ArrayList<>();
                table.snapshots().forEach(snapshots::add);
                t.put("location", table.location());
                t.put("partitioning", partitioning(table));
                t.put("snapshots", snapshots.size());
                if (current != null) {
                    Map<String, String> summary = current.summary();
                    t.put("rows", number(summary.get("total-records")));
                    t.put("data_files", number(summary.get("total-data-files")));
                    t.put("bytes", number(summary.get("total-files-size")));
                    t.put("last_commit", Instant.ofEpochMilli(current.timestampMillis()).toString());
                    t.put("average_file_bytes", number(summary.get("total-data-files")) == 0 ? 0
                            : number(summary.get("total-files-size")) / number(summary.get("total-data-files")));
                }
                ArrayNode recent = t.putArray("recent_snapshots");
                snapshots.stream().sorted(Comparator.comparingLong(Snapshot::timestampMillis).reversed()).limit(5)
                        .forEach(s -> recent.addObject().put("snapshot_id", s.snapshotId())
                                .put("committed_at", Instant.ofEpochMilli(s.timestampMillis()).toString())
                                .put("operation", s.operation())
                                .put("added_files", number(s.summary().get("added-data-files")))
                                .put("added_rows", number(s.summary().get("added-records"))));
            } catch (RuntimeException e) {
                t.put("error", e.getMessage());
            }
        }
        return JsonResponses.ok(out);
    }

    @Get("/api/lake/quality")
    @Blocking
    public HttpResponse quality() {
        if (!LakeCatalog.configured(config)) {
            return notConfigured();
        }
        ObjectNode out = JsonResponses.object();
        Table table;
        try {
            if (!catalog().tableExists(QUALITY)) {
                return JsonResponses.ok(out.put("available", false).put("message", "No quality results yet: the "
                        + "lakehouse quality checks write them to " + QUALITY + " when they run."));
            }
            table = catalog().loadTable(QUALITY);
        } catch (RuntimeException e) {
            return JsonResponses.ok(out.put("available", false).put("message", "No quality results yet ("
                    + e.getMessage() + ")"));
        }
        List<ObjectNode> rows = new ArrayList<>();
        List<Types.NestedField> columns = table.schema().columns();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                ObjectNode row = Json.mapper().createObjectNode();
                for (Types.NestedField f : columns) {
                    Object v = r.getField(f.name());
                    row.set(f.name(), Json.mapper().valueToTree(v == null ? null : v.toString()));
                }
                rows.add(row);
                if (rows.size() >= MAX_QUALITY_ROWS) {
                    break;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return JsonResponses.ok(out.put("available", false).put("message", "Cannot read " + QUALITY + ": "
                    + e.getMessage()));
        }
        String dayColumn = columns.stream().map(Types.NestedField::name)
                .filter(n -> n.contains("date") || n.contains("day") || n.equals("partition")).findFirst().orElse(null);
        // Failures first, then warnings, then passes; newest day first within each.
        rows.sort(Comparator.<ObjectNode>comparingInt(r -> severity(r.path("status").asText("")))
                .thenComparing(r -> dayColumn == null ? "" : r.path(dayColumn).asText(""), Comparator.reverseOrder()));
        out.put("available", !rows.isEmpty());
        if (rows.isEmpty()) {
            out.put("message", "No quality results yet: " + QUALITY + " is empty.");
        }
        if (dayColumn != null) {
            out.put("day_column", dayColumn);
        }
        ArrayNode cols = out.putArray("columns");
        columns.forEach(f -> cols.add(f.name()));
        out.set("rows", Json.mapper().valueToTree(rows));
        return JsonResponses.ok(out);
    }

    private static int severity(String status) {
        return switch (status.toLowerCase(java.util.Locale.ROOT)) {
            case "fail", "failed", "error" -> 0;
            case "warn", "warning" -> 1;
            default -> 2;
        };
    }

    private static long number(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static HttpResponse notConfigured() {
        return JsonResponses.ok(JsonResponses.object().put("available", false).put("message",
                "No lake configured: set postgres.jdbc-url and s3.endpoint (./platform up sets the embedded ones)"));
    }

    @Override
    public synchronized void close() throws java.io.IOException {
        if (catalog != null) {
            catalog.close();
        }
    }

    /** The table's partitioning as its columns and transforms read: {@code day(received_at), event_type}. */
    static String partitioning(Table table) {
        if (table.spec().isUnpartitioned()) {
            return "none";
        }
        List<String> fields = new ArrayList<>();
        for (PartitionField field : table.spec().fields()) {
            String column = table.schema().findColumnName(field.sourceId());
            fields.add(field.transform().isIdentity() ? column : field.transform() + "(" + column + ")");
        }
        return String.join(", ", fields);
    }
}
