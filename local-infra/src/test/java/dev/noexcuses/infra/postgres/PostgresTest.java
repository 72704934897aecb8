package dev.noexcuses.infra.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresTest {

    @Test
    void startsARealServerWithThePlatformMigrationsAndKeepsDataAcrossARestart() throws Exception {
        var config = PlatformConfig.defaults(Map.of());
        try (LocalInfra infra = LocalInfra.forTests(config).start("postgres")) {
            var postgres = infra.component("postgres").orElseThrow();
            assertThat(postgres.embedded()).isTrue();
            assertThat(postgres.isHealthy()).isTrue();
            Map<String, String> details = postgres.connectionDetails();
            assertThat(details).containsKeys("jdbc_url", "user", "password");
            String url = details.get("jdbc_url");

            try (Connection c = DriverManager.getConnection(url, details.get("user"), details.get("password"));
                 Statement s = c.createStatement()) {
                assertThat(tables(s)).contains("flyway_schema_history", "iceberg_tables",
                        "iceberg_namespace_properties");
                s.execute("CREATE TABLE kept (id int)");
                s.execute("INSERT INTO kept VALUES (42)");
            }

            postgres.stop();
            assertThat(postgres.isHealthy()).isFalse();
            postgres.start();
            assertThat(postgres.isHealthy()).isTrue();

            try (Connection c = DriverManager.getConnection(url, details.get("user"), details.get("password"));
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void usesAConfiguredExternalServerAndMigratesIt() throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        var config = PlatformConfig.defaults(Map.of("postgres.jdbc-url", shared.get("postgres.jdbc-url")));
        try (LocalInfra infra = LocalInfra.forTests(config).start("postgres")) {
            var postgres = infra.component("postgres").orElseThrow();
            assertThat(postgres.embedded()).isFalse();
            assertThat(postgres.isHealthy()).isTrue();
            assertThat(infra.serviceOverrides()).containsEntry("postgres.jdbc-url", shared.get("postgres.jdbc-url"));
        }
    }

    @Test
    void rejectsAWrongPasswordClearly() {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        var config = PlatformConfig.defaults(Map.of("postgres.jdbc-url", shared.get("postgres.jdbc-url"),
                "postgres.password", "wrong"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalInfra.forTests(config).start("postgres"))
                .hasMessageContaining("postgres.jdbc-url");
    }

    private static List<String> tables(Statement s) throws Exception {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
