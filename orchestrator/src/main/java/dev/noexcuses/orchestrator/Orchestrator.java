package dev.noexcuses.orchestrator;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Optional;

/**
 * The orchestrator as a service: one scheduler instance with the shipped DAGs on the platform's
 * PostgreSQL, and its admin server ({@code /healthz}, {@code /readyz}, {@code /metrics}, and
 * {@code /status} with the latest runs).
 */
public final class Orchestrator implements AutoCloseable {
    private final Database db;
    private final DagScheduler scheduler;
    private final DagRuns runs;
    private final AdminServer admin;

    private Orchestrator(Database db, DagScheduler scheduler, DagRuns runs, AdminServer admin) {
        this.db = db;
        this.scheduler = scheduler;
        this.runs = runs;
        this.admin = admin;
    }

    public static Orchestrator start(Config config) {
        return start(config, DagCatalog.shipped());
    }

    public static Orchestrator start(Config config, DagCatalog dags) {
        requireNonNull(config, "config is null");
        OrchestratorSettings settings = OrchestratorSettings.from(config);
        Database db = Database.open(config, settings.threads() + 4);
        DagScheduler scheduler = null;
        try {
            scheduler = DagScheduler.start(settings, db, dags);
            DagRuns runs = new DagRuns(db, dags, Clock.systemUTC());
            AdminServer admin = null;
            if (settings.admin().port() >= 0) {
                PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                DagScheduler s = scheduler;
                Gauge.builder("orchestrator_running_attempts", s, DagScheduler::runningAttempts)
                        .description("Task attempts this scheduler is running").register(meters);
                Gauge.builder("orchestrator_ticks", s, DagScheduler::ticks)
                        .description("Scheduling passes done by this instance").register(meters);
                admin = AdminServer.start(settings.admin(),
                        s::isRunning, s::isRunning,
                        () -> statusJson(s, runs), meters);
            }
            return new Orchestrator(db, scheduler, runs, admin);
        } catch (RuntimeException e) {
            if (scheduler != null) {
                scheduler.close();
            }
            db.close();
            throw e;
        }
    }

    private static String statusJson(DagScheduler scheduler, DagRuns runs) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("scheduler", scheduler.name());
        out.put("running", scheduler.isRunning());
        out.put("running_attempts", scheduler.runningAttempts());
        ArrayNode dags = out.putArray("dags");
        runs.dags().all().forEach(d -> dags.add(d.id()));
        ArrayNode latest = out.putArray("latest_runs");
        for (DagRun r : runs.runs(Optional.empty(), 10)) {
            latest.add(Json.mapper().valueToTree(r));
        }
        return out.toString();
    }

    public String schedulerName() {
        return scheduler.name();
    }

    public boolean isHealthy() {
        return scheduler.isRunning();
    }

    /** The admin server's port, or -1 when it is off. */
    public int adminPort() {
        return admin == null ? -1 : admin.port();
    }

    public DagRuns runs() {
        return runs;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        scheduler.close();
        db.close();
    }
}
