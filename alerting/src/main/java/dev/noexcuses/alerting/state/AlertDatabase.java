package dev.noexcuses.alerting.state;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import dev.noexcuses.common.sql.Transactions;

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

    <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.run(dataSource, "Alerting", work);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
