package dev.noexcuses.infra.postgres;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;
import java.util.Map;

/**
 * PostgreSQL, the platform's metadata database: the configured server ({@code postgres.jdbc-url}),
 * else an embedded one. Either way the platform's migrations are applied once it is up.
 */
public final class PostgresFactory implements ComponentFactory {
    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        String user = config.getString("postgres.user");
        String password = config.getString("postgres.password");
        String external = config.getString("postgres.jdbc-url");
        InfraComponent server = !external.isBlank()
                ? new ExternalPostgres(external, user, password)
                : new EmbeddedPostgres(dataDir.resolve("postgres"), config.getString("local-infra.host"),
                        ports.port("local-infra.postgres.port"), user, password,
                        config.getString("local-infra.postgres.database"),
                        config.getString("local-infra.postgres.shared-buffers"),
                        config.getString("local-infra.postgres.unprivileged-user"));
        return new Migrated(server);
    }

    static Map<String, String> serviceConfig(String jdbcUrl, String user, String password) {
        return Map.of("postgres.jdbc-url", jdbcUrl, "postgres.user", user, "postgres.password", password);
    }

    /** The server, with the platform's migrations applied after it starts. */
    private record Migrated(InfraComponent server) implements InfraComponent {
        @Override
        public String name() {
            return server.name();
        }

        @Override
        public void start() throws Exception {
            server.start();
            Map<String, String> keys = server.serviceConfig();
            PlatformMigrations.migrate(keys.get("postgres.jdbc-url"), keys.get("postgres.user"),
                    keys.get("postgres.password"));
        }

        @Override
        public void stop() {
            server.stop();
        }

        @Override
        public boolean isHealthy() {
            return server.isHealthy();
        }

        @Override
        public boolean embedded() {
            return server.embedded();
        }

        @Override
        public boolean stopLeftover() throws Exception {
            return server.stopLeftover();
        }

        @Override
        public Map<String, String> connectionDetails() {
            return server.connectionDetails();
        }

        @Override
        public Map<String, String> serviceConfig() {
            return server.serviceConfig();
        }
    }
}
