package dev.noexcuses.common.sql;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

/**
 * A module's own schema in the platform's PostgreSQL: a connection pool whose connections use that schema, and the
 * schema migrated by the module's own Flyway history (its {@code flyway_schema_history}, scripts under
 * {@code classpath:db/migration/<migrations>}), so each module versions its tables independently of the others.
 * The callers bring HikariCP, Flyway and the PostgreSQL driver (optional here).
 */
public final class SchemaPool {
    private SchemaPool() {}

    /**
     * @param owner who keeps tables there, for the error when no PostgreSQL is configured ("the orchestrator")
     * @param schema the schema, created when missing
     * @param migrations the folder of its scripts under {@code db/migration}
     * @param poolName the pool's name in logs and metrics
     * @param maxConnections the pool's size
     */
    public record Spec(String owner, String schema, String migrations, String poolName, int maxConnections) {
        public Spec {
            requireNonNull(owner, "owner is null");
            requireNonNull(schema, "schema is null");
            requireNonNull(migrations, "migrations is null");
            requireNonNull(poolName, "poolName is null");
            if (maxConnections < 1) {
                throw new IllegalArgumentException("Invalid maxConnections: " + maxConnections + " (at least 1)");
            }
        }
    }

    /**
     * Connects with {@code postgres.jdbc-url}, {@code postgres.user} and {@code postgres.password} and migrates the
     * schema; the pool is closed again when the migration fails. {@code scripts} finds the migration scripts.
     */
    public static HikariDataSource open(Config config, Spec spec, ClassLoader scripts) {
        String url = config.getString("postgres.jdbc-url");
        if (url.isBlank()) {
            throw new IllegalStateException("No PostgreSQL for " + spec.owner() + ": set postgres.jdbc-url (--set or "
                    + "platform.conf) or start ./platform up on this data directory");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.getString("postgres.user"));
        hikari.setPassword(config.getString("postgres.password"));
        hikari.setMaximumPoolSize(spec.maxConnections());
        hikari.setMinimumIdle(1);
        hikari.setPoolName(spec.poolName());
        // Queries may name the module's tables unqualified: they live in this schema only.
        hikari.setSchema(spec.schema());
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure(scripts)
                    .dataSource(dataSource)
                    .schemas(spec.schema())
                    .defaultSchema(spec.schema())
                    .createSchemas(true)
                    .locations("classpath:db/migration/" + spec.migrations())
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return dataSource;
    }
}
