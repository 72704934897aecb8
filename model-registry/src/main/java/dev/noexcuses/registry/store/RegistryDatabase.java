package dev.noexcuses.registry.store;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The registry's tables in the platform's PostgreSQL: schema {@code model_registry}, migrated by its own
 * Flyway history (scripts in {@code db/migration/model_registry}), as the orchestrator and alerting keep theirs.
 */
public final class RegistryDatabase implements AutoCloseable {
    public static final String SCHEMA = "model_registry";

    private final HikariDataSource dataSource;

    private RegistryDatabase(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Connects with {@code postgres.jdbc-url}, {@code postgres.user}, {@code postgres.password} and migrates. */
    public static RegistryDatabase open(Config config) {
        HikariDataSource dataSource = SchemaPool.open(config,
                new SchemaPool.Spec("the model registry", SCHEMA, "model_registry", "model-registry", 8),
                RegistryDatabase.class.getClassLoader());
        return new RegistryDatabase(dataSource);
    }

    /** Runs {@code work} in one transaction (serializable where it reads then writes an alias). */
    public <T> T inTransaction(SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setSchema(SCHEMA);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Model registry database error: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }
}
