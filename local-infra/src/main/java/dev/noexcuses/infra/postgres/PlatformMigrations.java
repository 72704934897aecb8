package dev.noexcuses.infra.postgres;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata database's schema, as versioned Flyway migrations in {@code db/migration/platform}
 * (the Iceberg JDBC catalog first; model registry, experiment tracking and orchestrator runs later).
 */
public final class PlatformMigrations {
    private static final Logger LOG = LoggerFactory.getLogger(PlatformMigrations.class);
    public static final String LOCATION = "classpath:db/migration/platform";

    private PlatformMigrations() {}

    /** Applies every pending migration; returns the schema version now in place. */
    public static String migrate(String jdbcUrl, String user, String password) {
        MigrateResult result = Flyway.configure(PlatformMigrations.class.getClassLoader())
                .dataSource(jdbcUrl, user, password)
                .locations(LOCATION)
                .connectRetries(3)
                .load()
                .migrate();
        if (result.migrationsExecuted > 0) {
            LOG.info("Applied {} migration(s) to {}: schema now at version {}", result.migrationsExecuted, jdbcUrl,
                    result.targetSchemaVersion);
        }
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    }
}
