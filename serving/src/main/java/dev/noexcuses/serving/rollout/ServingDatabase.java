package dev.noexcuses.serving.rollout;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariDataSource;
import dev.noexcuses.common.sql.SchemaPool;
import javax.sql.DataSource;

/**
 * The gateway's tables in the platform's PostgreSQL: schema {@code serving}, migrated by its own Flyway
 * history ({@code db/migration/serving}), independent of the other modules' versions.
 */
public final class ServingDatabase implements AutoCloseable {
    public static final String SCHEMA = "serving";

    private final HikariDataSource dataSource;

    private ServingDatabase(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Connects with {@code postgres.jdbc-url}, {@code postgres.user}, {@code postgres.password} and migrates. */
    public static ServingDatabase open(Config config) {
        HikariDataSource dataSource = SchemaPool.open(config,
                new SchemaPool.Spec("the serving gateway", SCHEMA, "serving", "serving", 4),
                ServingDatabase.class.getClassLoader());
        return new ServingDatabase(dataSource);
    }

    DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
