package dev.noexcuses.registry;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.registry.client.RegistryClient;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

/**
 * A registry of a test's own on the JVM's shared PostgreSQL (a fresh database) and S3 (its own artifacts
 * folder), with four users and a clock the test moves.
 */
final class TestRegistry implements AutoCloseable {
    static final String ALICE = "alice-token-0123456789";       // editor and approver
    static final String BOB = "bob-token-0123456789";           // approver
    static final String VIEWER = "viewer-token-0123456789";     // viewer
    static final String PIPELINE = "pipeline-token-0123456789"; // editor

    final MovableClock clock = new MovableClock(Instant.parse("2026-11-02T08:00:00Z"));
    final Config config;
    final String jdbcUrl;
    final ModelRegistry registry;

    TestRegistry() {
        Map<String, String> shared = SharedLocalInfra.get("postgres", "s3").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String database = "registry_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        jdbcUrl = url.substring(0, url.lastIndexOf('/') + 1) + database;
        config = ConfigFactory.parseString("""
                model-registry {
                  port = 0
                  artifacts-prefix = "registry-test/%s"
                  users = [
                    { name = "alice", token = "%s", roles = ["editor", "approver"] }
                    { name = "bob", token = "%s", roles = ["approver"] }
                    { name = "viewer", token = "%s", roles = ["viewer"] }
                    { name = "pipeline", token = "%s", roles = ["editor"] }
                  ]
                }
                """.formatted(database, ALICE, BOB, VIEWER, PIPELINE))
                // The test's own database wins over the shared infrastructure's default one.
                .withFallback(ConfigFactory.parseMap(Map.of("postgres.jdbc-url", jdbcUrl)))
                .withFallback(SharedLocalInfra.serviceConfig(Map.of(), "postgres", "s3"));
        registry = ModelRegistry.start(config, clock);
    }

    RegistryClient client(String token) {
        return RegistryClient.create(URI.create(registry.url()), token);
    }

    Connection sql() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl, config.getString("postgres.user"), config.getString("postgres.password"));
        try (Statement s = c.createStatement()) {
            s.execute("SET search_path TO model_registry");
        }
        return c;
    }

    @Override
    public void close() {
        registry.close();
    }

    /** A clock the test sets: records land at the times a scenario needs. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void set(Instant t) {
            now = t;
        }

        Instant advance(java.time.Duration d) {
            now = now.plus(d);
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
