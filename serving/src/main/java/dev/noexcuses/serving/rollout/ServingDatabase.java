package dev.noexcuses.serving.rollout;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

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
        String url = config.getString("postgres.jdbc-url");
        if (url.isBlank()) {
            throw new IllegalStateException("No PostgreSQL for the serving gateway: set postgres.jdbc-url (--set or "
                    + "platform.conf) or start ./platform up on this data directory");
        }
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(url);
        hikari.setUsername(config.getString("postgres.user"));
        hikari.setPassword(config.getString("postgres.password"));
        hikari.setMaximumPoolSize(4);
        hikari.setMinimumIdle(1);
        hikari.setPoolName("serving");
        // Queries name the tables unqualified: they live in this schema only.
        hikari.setSchema(SCHEMA);
        hikari.setConnectionTimeout(10_000);
        hikari.setInitializationFailTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(hikari);
        try {
            Flyway.configure(ServingDatabase.class.getClassLoader())
                    .dataSource(dataSource)
                    .schemas(SCHEMA)
                    .defaultSchema(SCHEMA)
                    .createSchemas(true)
                    .locations("classpath:db/migration/serving")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
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
