package dev.noexcuses.alerting.state;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

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
        String url = config.getString("postgres.jdbc-url");
        if (url.isBlank()) {
            throw new IllegalStateException("No PostgreSQL for alerting: set postgres.jdbc-url (--set or platform.conf) "
                    + "or start ./platform up on this data directory");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.getString("postgres.user"));
        hikari.setPassword(config.getString("postgres.password"));
        hikari.setMaximumPoolSize(4);
        hikari.setMinimumIdle(1);
        hikari.setPoolName("alerting");
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure(AlertDatabase.class.getClassLoader())
                    .dataSource(dataSource)
                    .schemas(SCHEMA)
                    .defaultSchema(SCHEMA)
                    .createSchemas(true)
                    .locations("classpath:db/migration/alerting")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
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
