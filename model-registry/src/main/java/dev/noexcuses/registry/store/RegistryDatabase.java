package dev.noexcuses.registry.store;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import dev.noexcuses.common.sql.Transactions;

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
    public <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.run(dataSource, "Model registry", work);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
