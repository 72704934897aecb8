package dev.noexcuses.platform.verify;

import com.typesafe.config.Config;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;

/** The lake's tables as stores downstream of {@code events.enriched}, read with the Iceberg API. */
public final class LakeStores {
    private LakeStores() {}

    /** {@code raw.enriched_events} (or the configured table): copies of each event id. */
    public static Reconciler.DownstreamStore enrichedEvents(Config config) {
        String tableName = config.getString("batch-loader.tables.enriched-events");
        return new Reconciler.DownstreamStore() {
            @Override
            public String name() {
                return "lake " + tableName;
            }

            @Override
            public Map<String, Integer> copies(Set<String> eventIds) throws Exception {
                Map<String, Integer> copies = new HashMap<>();
                try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(config))) {
                    TableIdentifier id = EventTables.identifier(tableName);
                    if (!lake.catalog().tableExists(id)) {
                        return copies;
                    }
                    Table table = lake.catalog().loadTable(id);
                    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select("event_id").build()) {
                        for (Record row : rows) {
                            Object value = row.getField("event_id");
                            if (value != null && eventIds.contains(value.toString())) {
                                copies.merge(value.toString(), 1, Integer::sum);
                            }
                        }
                    }
                }
                return copies;
            }
        };
    }
}
