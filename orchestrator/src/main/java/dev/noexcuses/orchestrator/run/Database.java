package dev.noexcuses.orchestrator.run;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import dev.noexcuses.common.sql.Transactions;
import javax.sql.DataSource;

/**
 * The orchestrator's tables in the platform's PostgreSQL: schema {@code orchestrator}, migrated by
 * its own Flyway history ({@code orchestrator.flyway_schema_history}, scripts in
 * {@code db/migration/orchestrator}) so its versions are independent of the platform's.
 */
public final class Database implements AutoCloseable {
    public static final String SCHEMA = "orchestrator";

    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Connects with {@code postgres.jdbc-url}, {@code postgres.user}, {@code postgres.password} and migrates. */
    public static Database open(Config config, int maxConnections) {
        HikariDataSource dataSource = SchemaPool.open(config,
                new SchemaPool.Spec("the orchestrator", SCHEMA, "orchestrator", "orchestrator", maxConnections),
                Database.class.getClassLoader());
        return new Database(dataSource);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    <T> T inTransaction(Transactions.Work<T> work) {
        return Transactions.run(dataSource, "Orchestrator", work);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
