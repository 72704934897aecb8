package dev.noexcuses.registry.store;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

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
        String url = config.getString("postgres.jdbc-url");
        if (url.isBlank()) {
            throw new IllegalStateException("No PostgreSQL for the model registry: set postgres.jdbc-url (--set or "
                    + "platform.conf) or start ./platform up on this data directory");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.getString("postgres.user"));
        hikari.setPassword(config.getString("postgres.password"));
        hikari.setMaximumPoolSize(8);
        hikari.setMinimumIdle(1);
        hikari.setPoolName("model-registry");
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure(RegistryDatabase.class.getClassLoader())
                    .dataSource(dataSource)
                    .schemas(SCHEMA)
                    .defaultSchema(SCHEMA)
                    .createSchemas(true)
                    .locations("classpath:db/migration/model_registry")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
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
