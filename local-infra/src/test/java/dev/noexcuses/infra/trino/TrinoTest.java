package dev.noexcuses.infra.trino;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.Ports;
import dev.noexcuses.infra.SharedLocalInfra;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trino as local-infra runs it: a real server on a JDK 24+ over the platform's Iceberg catalog and S3. */
class TrinoTest {
    @TempDir
    Path dir;

    private static TrinoAccess embedded() {
        LocalInfra infra = SharedLocalInfra.get("trino");
        return TrinoAccess.from(infra.serviceConfig(PlatformConfig.defaults(Map.of())));
    }

    private static Connection connect(TrinoAccess access) throws SQLException {
        return DriverManager.getConnection(access.jdbcUrl(), access.jdbcProperties());
    }

    @Test
    void theEmbeddedServerWritesAndReadsIcebergTablesInTheLakeCatalog() throws Exception {
        TrinoAccess access = embedded();
        assertThat(access.url()).startsWith("http://127.0.0.1:");
        try (Connection c = connect(access); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS lake.trino_test");
            s.execute("CREATE OR REPLACE TABLE lake.trino_test.numbers AS "
                    + "SELECT n, n % 3 AS bucket FROM UNNEST(sequence(1, 1000)) AS t(n)");
            try (ResultSet rs = s.executeQuery(
                    "SELECT bucket, count(*), sum(n) FROM trino_test.numbers GROUP BY bucket ORDER BY bucket")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getInt(1) + ":" + rs.getLong(2) + ":" + rs.getLong(3));
                }
                assertThat(rows).containsExactly("0:333:166833", "1:334:167167", "2:333:166500");
            }
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM lake.information_schema.schemata "
                    + "WHERE schema_name = 'trino_test'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void aQueryErrorNamesTheProblemAndWhereItIsInTheStatement() throws Exception {
        try (Connection c = connect(embedded()); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SELECT no_such_column FROM lake.information_schema.tables"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("line 1:8: Column 'no_such_column' cannot be resolved");
        }
    }

    @Test
    void aConfiguredTrinoIsOnlyCheckedNothingIsStarted() throws Exception {
        TrinoAccess running = embedded();
        long serversBefore = trinoServersStartedByThisJvm();
        Config config = PlatformConfig.defaults(Map.of("trino.url", running.url(), "trino.user", "analyst"));

        InfraComponent trino = new TrinoFactory().create(config, dir, Ports.free());
        trino.start();

        assertThat(trino).isInstanceOf(ExternalTrino.class);
        assertThat(trino.embedded()).isFalse();
        assertThat(trino.isHealthy()).isTrue();
        assertThat(trino.connectionDetails()).containsEntry("url", running.url()).containsEntry("user", "analyst")
                .containsEntry("version", "trino 476");
        assertThat(trinoServersStartedByThisJvm()).isEqualTo(serversBefore).isEqualTo(1);
        assertThat(dir.resolve("trino")).doesNotExist();
        trino.stop();
        assertThat(new TrinoProbe(running).ready(java.time.Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void withoutAJdk24TheComponentSaysWhatIsMissingAndHowToFixIt() throws Exception {
        Path java17 = Path.of(System.getProperty("java.home"));
        Config config = com.typesafe.config.ConfigFactory.parseString(
                "local-infra.trino.jdk-search-paths = [\"" + dir + "\"]").withFallback(PlatformConfig.defaults(Map.of()));
        // Only the platform's own JDK (17) in JAVA_HOME, no JDK in the search paths.
        InfraComponent trino = new TrinoFactory(Map.of("JAVA_HOME", java17.toString())).create(config, dir, Ports.free());

        assertThat(trino).isInstanceOf(MissingTrino.class);
        trino.start();
        assertThat(trino.isHealthy()).isFalse();
        assertThat(trino.connectionDetails().get("missing")).contains("no JDK 24 or newer found")
                .contains("JAVA_HOME " + java17 + " (Java " + Runtime.version().feature() + ")");
        assertThat(trino.connectionDetails().get("fix")).contains("local-infra.trino.java-home", "trino.url");
        assertThat(trino.serviceConfig()).isEmpty();
    }

    @Test
    void aConfiguredJavaHomeIsTheOnlyJdkConsidered() {
        JdkFinder finder = new JdkFinder(24, System.getProperty("java.home"), "", List.of(Path.of("/usr/lib/jvm")));
        assertThat(finder.find()).isEmpty();
        assertThat(finder.looked()).singleElement().asString().startsWith("java-home ");
    }

    private static long trinoServersStartedByThisJvm() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("io.trino.server.TrinoServer")).count();
    }
}
