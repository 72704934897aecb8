package dev.noexcuses.orchestrator;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.SharedLocalInfra;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A database of its own per test on the shared embedded PostgreSQL server, so schedulers of one test
 * never see another test's runs.
 */
final class TestDatabases {
    private TestDatabases() {}

    /** Platform configuration pointing at a new, empty database; orchestrator timings tightened for tests. */
    static Config fresh(Path dataDir, Map<String, String> overrides) throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "orch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> settings = new HashMap<>();
        settings.put("postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + name);
        settings.put("postgres.user", shared.get("postgres.user"));
        settings.put("postgres.password", shared.get("postgres.password"));
        settings.put("platform.data-dir", dataDir.toString());
        settings.put("orchestrator.poll-interval", "300ms");
        settings.put("orchestrator.heartbeat-interval", "1s");
        settings.put("orchestrator.missed-heartbeats", "4");
        settings.put("orchestrator.admin.port", "-1");
        settings.putAll(overrides);
        return PlatformConfig.defaults(settings);
    }
}
