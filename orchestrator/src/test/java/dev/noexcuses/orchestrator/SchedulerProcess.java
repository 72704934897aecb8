package dev.noexcuses.orchestrator;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.orchestrator.run.Database;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A scheduler instance in a JVM of its own, with the test DAGs, for tests that kill it.
 * Arguments: jdbc-url user password data-dir dags-dir instance-name.
 */
public final class SchedulerProcess {
    private SchedulerProcess() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("postgres.jdbc-url", args[0]);
        settings.put("postgres.user", args[1]);
        settings.put("postgres.password", args[2]);
        settings.put("platform.data-dir", args[3]);
        settings.put("orchestrator.instance-name", args[5]);
        settings.put("orchestrator.poll-interval", "300ms");
        settings.put("orchestrator.heartbeat-interval", "1s");
        settings.put("orchestrator.missed-heartbeats", "4");
        var config = PlatformConfig.defaults(settings);
        Database db = Database.open(config, 4);
        DagScheduler.start(OrchestratorSettings.from(config), db, TestDags.catalog(Path.of(args[4])));
        System.out.println("scheduler " + args[5] + " started");
        Thread.currentThread().join();
    }

    /** Starts a scheduler JVM on the database of {@code config}. */
    static Process start(com.typesafe.config.Config config, Path dagsDir, String name) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SchedulerProcess.class.getName(), config.getString("postgres.jdbc-url"), config.getString("postgres.user"),
                config.getString("postgres.password"), config.getString("platform.data-dir"), dagsDir.toString(), name)
                .redirectErrorStream(true)
                .redirectOutput(dagsDir.resolve(name + ".out").toFile())
                .start();
    }
}
