package dev.noexcuses.serving.experiments;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.gateway.TrafficTable;
import dev.noexcuses.serving.rollout.DeployedModel;
import dev.noexcuses.serving.rollout.RolloutCommand;
import dev.noexcuses.serving.rollout.RolloutController;
import dev.noexcuses.serving.rollout.RolloutRecord;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, stops and reports A/B experiments. An experiment runs as a canary rollout of its treatment
 * at a fixed share for its planned duration (the rollout starts the treatment's model server and
 * holds the split; its live analysis rolls back a treatment that fails on errors or latency); the
 * gateway assigns each user to an arm by a sticky hash and sends the exposures to the collector. At
 * the planned end (or {@code stop}) the report's winner is handed to the rollout: a treatment that is
 * better and passes the guardrails is promoted, otherwise the canary is aborted and control stays.
 */
public final class ExperimentController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentController.class);

    private final Config config;
    private final ExperimentStore store;
    private final RolloutController rollouts;
    private final TrafficTable table;
    private final ExposureSender exposures;
    private final ExperimentRouting routing;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "experiment-housekeeping");
        t.setDaemon(true);
        return t;
    });

    private ExperimentController(Config config, ExperimentStore store, RolloutController rollouts, TrafficTable table,
                                 ExposureSender exposures) {
        this.config = config;
        this.store = store;
        this.rollouts = rollouts;
        this.table = table;
        this.exposures = exposures;
        this.routing = new ExperimentRouting(exposures);
    }

    /**
     * Opens the experiments' tables ({@code postgres.*}) and the exposures' way to the collector
     * ({@code serving.experiments.collector-url}; blank: experiments cannot start, and say why).
     */
    public static ExperimentController open(Config config, RolloutController rollouts, TrafficTable table) {
        requireNonNull(config, "config is null");
        Config e = config.getConfig("serving.experiments");
        ExperimentStore store = ExperimentStore.open(config);
        String collector = e.getString("collector-url");
        ExposureSender exposures = collector.isBlank() ? null : new ExposureSender(URI.create(collector),
                e.getString("write-key"), e.getString("source"), e.getInt("exposure-queue"));
        return new ExperimentController(config, store, requireNonNull(rollouts, "rollouts is null"),
                requireNonNull(table, "table is null"), exposures);
    }

    /** The hook the gateway's router calls per request. */
    public ExperimentRouting routing() {
        return routing;
    }

    /** Routes the running experiments again (after a restart) and starts watching their rollouts and planned ends. */
    public void resume() {
        for (ExperimentRecord r : store.running()) {
            ExperimentSpec spec = ExperimentSpec.parse(r.spec().toString(), config);
            routing.activate(active(spec, r.controlVersion()));
            LOG.info("Experiment {} on {} resumed: treatment {} for {}% of users", r.name(), r.model(),
                    r.treatmentVersion(), spec.treatmentShare());
        }
        long every = Math.max(200, config.getDuration("serving.experiments.check-interval").toMillis());
        housekeeping.scheduleWithFixedDelay(this::watch, every, every, TimeUnit.MILLISECONDS);
    }

    /** Starts an experiment from its spec (HOCON or JSON); returns it as stored. */
    public synchronized ExperimentRecord start(String specText) {
        ExperimentSpec spec = ExperimentSpec.parse(specText, config);
        if (exposures == null) {
            throw new IllegalStateException("Experiments need a collector for their exposures: set "
                    + "serving.experiments.collector-url (./platform up sets it to its collector)");
        }
        DeployedModel deployed = rollouts.store().model(spec.model()).orElseThrow(() -> new IllegalStateException(
                "Model '" + spec.model() + "' is not deployed at this gateway: its stable version is the control arm"));
        if (!spec.controlVersion().isBlank() && !spec.controlVersion().equals(deployed.stableVersion())) {
            throw new IllegalArgumentException("Invalid control.version " + spec.controlVersion() + ": model " + spec.model()
                    + " serves version " + deployed.stableVersion() + " now, and the control arm is what it serves");
        }
        store.insert(spec, ExperimentSpec.render(specText), deployed.stableVersion(), Instant.now().plus(spec.duration()));
        RolloutRecord rollout;
        try {
            rollout = rollouts.start(spec.rolloutSpec());
        } catch (RuntimeException e) {
            store.delete(spec.name());
            throw e;
        }
        store.setRollout(spec.name(), rollout.id());
        routing.activate(active(spec, deployed.stableVersion()));
        LOG.info("Experiment {} started on {}: control {} and treatment {} ({}% of users), rollout {}", spec.name(),
                spec.model(), deployed.stableVersion(), spec.treatmentVersion(), spec.treatmentShare(), rollout.id());
        return store.experiment(spec.name()).orElseThrow();
    }

    /**
     * Stops a running experiment and hands the winner to its rollout. {@code winner}: {@code auto}
     * (the report decides), {@code treatment} or {@code control} (the operator decides).
     */
    public synchronized ExperimentRecord stop(String name, String winner) {
        ExperimentRecord r = store.experiment(name).orElseThrow(() -> new IllegalArgumentException("No experiment '" + name + "'"));
        if (!r.running()) {
            throw new IllegalStateException("Experiment '" + name + "' is " + r.state() + " already");
        }
        ExperimentSpec spec = ExperimentSpec.parse(r.spec().toString(), config);
        ExperimentReport.Result report = ExperimentReport.build(spec, r, store.latestOutcomes(name), Instant.now());
        boolean promote = switch (winner.toLowerCase(Locale.ROOT)) {
            case "auto" -> report.winner() == ExperimentReport.Winner.TREATMENT && report.guardrailsPassed();
            case "treatment" -> true;
            case "control" -> false;
            default -> throw new IllegalArgumentException("Invalid winner '" + winner + "': expected auto, treatment or control");
        };
        String why = winner.equalsIgnoreCase("auto") ? "the report: " + report.json().path("verdict").asText()
                : "the operator chose " + winner.toLowerCase(Locale.ROOT);
        return finish(r, spec, "stopped", handOver(r, promote, why), report.json());
    }

    private String handOver(ExperimentRecord r, boolean promote, String why) {
        routing.deactivate(r.model(), r.name());
        try {
            rollouts.command(r.model(), promote ? RolloutCommand.PROMOTE : RolloutCommand.ABORT);
        } catch (IllegalStateException e) {
            // Its rollout ended already (rolled back by its live analysis, or commanded by hand).
            return "no hand-over: " + e.getMessage() + " (" + why + ")";
        }
        return promote ? "treatment version " + r.treatmentVersion() + " promoted by its rollout: " + why
                : "control version " + r.controlVersion() + " kept, treatment's canary aborted: " + why;
    }

    private ExperimentRecord finish(ExperimentRecord r, ExperimentSpec spec, String state, String decision, ObjectNode report) {
        ObjectNode detail = r.detail().isObject() ? ((ObjectNode) r.detail()).deepCopy() : Json.mapper().createObjectNode();
        detail.set("final_report", report);
        if (exposures != null) {
            detail.set("exposures", Json.mapper().valueToTree(exposures.counts()));
        }
        store.finish(r.name(), state, decision, detail);
        LOG.info("Experiment {} {}: {}", r.name(), state, decision);
        return store.experiment(r.name()).orElseThrow();
    }

    /** The report now: from the lake's latest outcomes, with the gateway's live figures of both versions. */
    public ObjectNode report(String name) {
        ExperimentRecord r = store.experiment(name).orElseThrow(() -> new IllegalArgumentException("No experiment '" + name + "'"));
        ExperimentSpec spec = ExperimentSpec.parse(r.spec().toString(), config);
        ObjectNode json = ExperimentReport.build(spec, r, store.latestOutcomes(name), Instant.now()).json();
        ObjectNode live = json.putObject("live");
        for (String arm : List.of("control", "treatment")) {
            String version = arm.equals("control") ? r.controlVersion() : r.treatmentVersion();
            var w = table.stats(r.model(), version).window();
            live.putObject(arm).put("version", version).put("requests", w.totalRequests()).put("errors", w.totalErrors());
        }
        if (exposures != null && r.running()) {
            json.set("exposures", Json.mapper().valueToTree(exposures.counts()));
        }
        return json;
    }

    public Optional<ExperimentRecord> experiment(String name) {
        return store.experiment(name);
    }

    public List<ExperimentRecord> recent(int limit) {
        return store.recent(limit);
    }

    /** Ends experiments whose rollout ended, and hands over those past their planned end. */
    private void watch() {
        try {
            for (ExperimentRecord r : store.running()) {
                Optional<RolloutRecord> rollout = r.rolloutId() == null ? Optional.empty()
                        : rollouts.store().rollout(r.rolloutId());
                ExperimentSpec spec = ExperimentSpec.parse(r.spec().toString(), config);
                if (rollout.isPresent() && !rollout.get().active()) {
                    synchronized (this) {
                        routing.deactivate(r.model(), r.name());
                        ObjectNode report = ExperimentReport.build(spec, r, store.latestOutcomes(r.name()), Instant.now()).json();
                        finish(r, spec, "ended", "its canary rollout ended (" + rollout.get().state() + "): "
                                + rollout.get().reason(), report);
                    }
                } else if (spec.handOver() && Instant.now().isAfter(r.plannedEnd())) {
                    stop(r.name(), "auto");
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Cannot check the running experiments: {}", e.toString());
        }
    }

    private static ExperimentRouting.Active active(ExperimentSpec spec, String controlVersion) {
        return new ExperimentRouting.Active(spec.name(), spec.model(), spec.salt(), spec.treatmentShare(), controlVersion,
                spec.treatmentVersion());
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        if (exposures != null) {
            exposures.close();
        }
        store.close();
    }
}
