package dev.noexcuses.console;

import com.typesafe.config.Config;
import dev.noexcuses.console.auth.ConsoleUser;
import dev.noexcuses.console.pipeline.ComponentCheck;
import dev.noexcuses.console.pipeline.ConsumerGroup;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The {@code console.*} settings, validated once at start. */
record ConsoleSettings(
        String host,
        int port,
        List<ConsoleUser> users,
        Duration sessionIdleTimeout,
        boolean secureCookie,
        List<ComponentCheck> components,
        String latencyMetricsUrl,
        String latencyMetricsToken,
        String adminToken,
        Path verifyReport,
        List<ConsumerGroup> consumerGroups,
        Duration sampleInterval,
        String trinoJdbcUrl,
        String trinoUser,
        String enrichedIndices,
        String failedIndices) {

    ConsoleSettings {
        users = List.copyOf(users);
        components = List.copyOf(components);
        consumerGroups = List.copyOf(consumerGroups);
        if (users.isEmpty()) {
            throw new IllegalArgumentException("console.users is empty: nobody could log in");
        }
    }

    static ConsoleSettings from(Config config) {
        Config c = config.getConfig("console");
        List<ConsoleUser> users = c.getConfigList("users").stream()
                .map(u -> new ConsoleUser(u.getString("name"), u.getString("password-hash")))
                .toList();
        List<ComponentCheck> components = c.getConfigList("components").stream()
                .map(u -> new ComponentCheck(u.getString("name"), u.getString("health-url"),
                        u.hasPath("token") ? u.getString("token") : ""))
                .toList();
        List<ConsumerGroup> groups = c.getConfigList("consumer-groups").stream()
                .map(g -> new ConsumerGroup(g.getString("stage"), g.getString("group"), g.getStringList("topics")))
                .toList();
        String report = c.getString("verify-report");
        return new ConsoleSettings(c.getString("host"), c.getInt("port"), users,
                c.getDuration("session-idle-timeout"), c.getBoolean("secure-cookie"), components,
                c.getString("latency-metrics-url"), c.getString("latency-metrics-token"), c.getString("admin-token"), report.isBlank() ? null : Path.of(report), groups,
                c.getDuration("sample-interval"), c.getString("trino.jdbc-url"), c.getString("trino.user"),
                c.getString("indices.enriched"), c.getString("indices.failed"));
    }

    /** Whether the console listens only on this machine (where the default credentials are allowed). */
    boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Invalid console.host '" + host + "': " + e.getMessage(), e);
        }
    }
}
