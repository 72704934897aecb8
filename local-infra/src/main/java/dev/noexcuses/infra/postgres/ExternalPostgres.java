package dev.noexcuses.infra.postgres;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/** A PostgreSQL server run elsewhere ({@code postgres.jdbc-url}): only checked, migrated and used. */
public final class ExternalPostgres implements InfraComponent {
    private final String jdbcUrl;
    private final String user;
    private final String password;

    public ExternalPostgres(String jdbcUrl, String user, String password) {
        this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl is null");
        this.user = requireNonNull(user, "user is null");
        this.password = requireNonNull(password, "password is null");
    }

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public void start() {
        try (Connection c = connect(10)) {
            c.isValid(10);
        } catch (SQLException e) {
            throw new IllegalStateException("Configured PostgreSQL server at " + jdbcUrl
                    + " is not reachable (postgres.jdbc-url): " + e.getMessage(), e);
        }
    }

    private Connection connect(int timeoutSeconds) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("loginTimeout", String.valueOf(timeoutSeconds));
        return DriverManager.getConnection(jdbcUrl, props);
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        try (Connection c = connect(2); Statement s = c.createStatement()) {
            return s.execute("SELECT 1");
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        return Map.of("jdbc_url", jdbcUrl, "user", user, "password", password);
    }

    @Override
    public Map<String, String> serviceConfig() {
        return PostgresFactory.serviceConfig(jdbcUrl, user, password);
    }
}
