package dev.noexcuses.alerting.state;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Alerting's tables in the platform's PostgreSQL: schema {@code alerting}, migrated by its own Flyway
 * history ({@code alerting.flyway_schema_history}, scripts in {@code db/migration/alerting}), as the
 * orchestrator keeps its own.
 */
public final class AlertDatabase implements AutoCloseable {
    public static final String SCHEMA = "alerting";

    private final HikariDataSource dataSource;

    private AlertDatabase(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Connects with {@code postgres.jdbc-url}, {@code postgres.user}, {@code postgres.password} and migrates. */
    public static AlertDatabase open(Config config) {
        HikariDataSource dataSource = SchemaPool.open(config,
                new SchemaPool.Spec("alerting", SCHEMA, "alerting", "alerting", 4),
                AlertDatabase.class.getClassLoader());
        return new AlertDatabase(dataSource);
    }

    <T> T inTransaction(SqlWork<T> work) {
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
            throw new IllegalStateException("Alerting database error: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    @FunctionalInterface
    interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }
}
