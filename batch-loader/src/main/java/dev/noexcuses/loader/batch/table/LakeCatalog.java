package dev.noexcuses.loader.batch.table;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.jdbc.JdbcClientPool;
import org.apache.iceberg.util.ThreadPools;

/**
 * The platform's Iceberg catalog: a JDBC catalog in PostgreSQL with the warehouse in S3, files
 * read and written through S3FileIO with the platform's S3 client. No Hadoop on this path.
 */
public final class LakeCatalog implements AutoCloseable {
    private final JdbcCatalog catalog;
    private final LakeSettings settings;

    private LakeCatalog(JdbcCatalog catalog, LakeSettings settings) {
        this.catalog = catalog;
        this.settings = settings;
    }

    public static LakeCatalog open(LakeSettings settings) {
        requireNonNull(settings, "settings is null");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.URI, settings.jdbcUrl());
        props.put(CatalogProperties.WAREHOUSE_LOCATION, settings.warehouse());
        props.put("jdbc.user", settings.jdbcUser());
        props.put("jdbc.password", settings.jdbcPassword());
        props.put("jdbc.schema-version", "V1");
        props.put(CatalogProperties.CLIENT_POOL_SIZE, "4");
        // Iceberg's own default staging dir is the JVM's temp dir; multipart parts above this size.
        props.put("s3.multipart.size", String.valueOf(32L * 1024 * 1024));
        JdbcCatalog catalog = new JdbcCatalog(
                p -> {
                    S3FileIO io = new S3FileIO(settings.s3());
                    io.initialize(p);
                    return io;
                },
                p -> new JdbcClientPool(settings.jdbcUrl(), p),
                // Creates the catalog tables only where the platform's migrations have not.
                true);
        catalog.initialize(settings.catalogName(), props);
        createIcebergThreadPools();
        return new LakeCatalog(catalog, settings);
    }

    /**
     * Iceberg creates its shared thread pools on first use, and each registers a JVM shutdown hook. Once
     * the JVM is shutting down that registration is refused ("Shutdown in progress"), so a process whose
     * first commit is its last one, made by the shutdown hook of a clean stop, could not commit at all.
     * Created now, while hooks can still be added.
     */
    private static void createIcebergThreadPools() {
        ThreadPools.getWorkerPool();
        ThreadPools.getDeleteWorkerPool();
    }

    public Catalog catalog() {
        return catalog;
    }

    public LakeSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        catalog.close();
    }
}
