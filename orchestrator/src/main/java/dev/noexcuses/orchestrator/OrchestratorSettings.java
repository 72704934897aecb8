package dev.noexcuses.orchestrator;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.admin.AdminServer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The orchestrator's settings ({@code orchestrator.*} in reference.conf).
 *
 * @param instanceName     names this scheduler in the run history; unique per instance
 * @param pollInterval     how often the scheduler looks for due runs and attempts
 * @param heartbeatInterval how often a running attempt's scheduler says it is alive
 * @param missedHeartbeats heartbeats missed before an attempt is declared dead, failed and retried
 * @param threads          attempts one scheduler runs at once
 * @param maxCatchupRuns   most missed intervals caught up per DAG after downtime
 * @param pools            slots per pool
 * @param platformHome     the platform's folder: the working directory of every task
 * @param platformCommand  what a task's {@code ./platform} runs (the platform's own command line)
 * @param dataDir          the data directory {@code ./platform} tasks are given
 * @param logDir           where each attempt's output goes
 * @param admin            where the admin server listens, and the bearer token it asks for
 */
public record OrchestratorSettings(String instanceName, String host, Duration pollInterval, Duration heartbeatInterval,
                                   int missedHeartbeats, int threads, int maxCatchupRuns, Map<String, Integer> pools,
                                   Path platformHome, Path platformCommand, Path dataDir, Path logDir,
                                   AdminServer.Access admin) {
    public OrchestratorSettings {
        requireNonNull(instanceName, "instanceName is null");
        pools = Map.copyOf(pools);
        requireNonNull(admin, "admin is null");
        if (threads < 1 || missedHeartbeats < 1 || maxCatchupRuns < 1) {
            throw new IllegalArgumentException("Invalid orchestrator settings: threads, missed-heartbeats and "
                    + "max-catchup-runs must be at least 1");
        }
    }

    public static OrchestratorSettings from(Config config) {
        Config o = config.getConfig("orchestrator");
        String host = hostName();
        String name = o.getString("instance-name").isBlank()
                ? host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-" + UUID.randomUUID().toString().substring(0, 6)
                : o.getString("instance-name");
        Map<String, Integer> pools = new LinkedHashMap<>();
        o.getConfig("pools").root().keySet().forEach(p -> pools.put(p, o.getConfig("pools").getInt(p)));
        Path dataDir = Path.of(config.getString("platform.data-dir")).toAbsolutePath().normalize();
        return new OrchestratorSettings(name, host, o.getDuration("poll-interval"), o.getDuration("heartbeat-interval"),
                o.getInt("missed-heartbeats"), o.getInt("threads"), o.getInt("max-catchup-runs"), pools,
                Path.of(config.getString("platform.home")).toAbsolutePath().normalize(),
                Path.of(o.getString("platform-command")).toAbsolutePath().normalize(), dataDir,
                Path.of(o.getString("log-dir")).toAbsolutePath().normalize(),
                AdminServer.Access.from(o.getConfig("admin")));
    }

    public Duration deadAfter() {
        return heartbeatInterval.multipliedBy(missedHeartbeats);
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
