package dev.noexcuses.serving.rollout;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.WebClient;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.gateway.TrafficSplit;
import dev.noexcuses.serving.gateway.TrafficTable;
import dev.noexcuses.serving.instances.ModelServerInstance;
import dev.noexcuses.serving.instances.ModelServerLauncher;
import dev.noexcuses.serving.registry.RegistryModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts, commands and resumes rollouts. Each active rollout runs on a thread of its own
 * ({@link RolloutRun}); what each model serves and every rollout's state are in PostgreSQL, so a new
 * controller over the same database picks up where the last one stopped.
 */
public final class RolloutController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutController.class);

    private final Config config;
    private final RolloutStore store;
    private final TrafficTable table;
    private final ModelServerLauncher launcher;
    private final WebClient http;
    private final Duration poll;
    private final Optional<RegistryModelFiles> registryFiles;
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rollout");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rollout-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, RolloutRun> running = new ConcurrentHashMap<>();
    private volatile boolean closing;
    /**
     * When the earliest kept previous version (blue-green's keep-blue) is due to stop, null for none; with
     * {@link #keptChanged}, lets the housekeeping read the store only when something is due or may have changed,
     * not at every tick of an idle gateway.
     */
    private volatile Instant nextKeptExpiry;
    /** Set when a rollout ends or a promotion is rolled back, the only times a version starts to be kept. */
    private volatile boolean keptChanged = true;

    public RolloutController(Config config, RolloutStore store, TrafficTable table, ModelServerLauncher launcher,
                             WebClient http) {
        this.config = requireNonNull(config, "config is null");
        this.store = requireNonNull(store, "store is null");
        this.table = requireNonNull(table, "table is null");
        this.launcher = requireNonNull(launcher, "launcher is null");
        this.http = requireNonNull(http, "http is null");
        this.poll = config.getDuration("serving.gateway.poll-interval");
        this.registryFiles = RegistryModelFiles.from(config);
    }

    /**
     * Restores the traffic of every deployed model (taking over its model servers that still answer,
     * starting the others again) and resumes the rollouts that were in progress.
     */
    public void resume() {
        for (DeployedModel m : store.models()) {
            List<ModelServerInstance> alive = new ArrayList<>(m.instances().stream().filter(i -> launcher.ready(i.url())).toList());
            alive.forEach(launcher::adopt);
            int wanted = Math.max(1, m.instances().size());
            boolean rollingAway = store.active().stream().anyMatch(r -> r.model().equals(m.model()));
            // A model in the middle of a rollout gets its servers back from the rollout itself.
            if (alive.isEmpty() || (!rollingAway && alive.size() < wanted)) {
                while (alive.size() < wanted) {
                    alive.add(launcher.start(m.model(), m.stableVersion(), m.stableModelFile()));
                }
            }
            List<ModelServerInstance> keptPrevious = m.previousInstances().stream()
                    .filter(i -> launcher.ready(i.url())).toList();
            keptPrevious.forEach(launcher::adopt);
            DeployedModel restored = new DeployedModel(m.model(), m.stableVersion(), m.stableModelFile(), alive,
                    m.previousVersion(), m.previousModelFile(), keptPrevious, keptPrevious.isEmpty() ? null : m.previousKeptUntil());
            store.saveModel(restored);
            table.put(TrafficSplit.stableOnly(m.model(), alive));
            LOG.info("Model {} version {} served by {} model server(s)", m.model(), m.stableVersion(), alive.size());
        }
        for (RolloutRecord r : store.active()) {
            LOG.info("Resuming rollout {} of {} at phase {} (step {})", r.id(), r.model(), r.phase(), r.step());
            launch(r, RolloutSpec.parse(r.spec().toString(), config), store.model(r.model()).orElse(null));
        }
        long everyMs = Math.max(100, poll.toMillis());
        housekeeping.scheduleWithFixedDelay(this::stopExpiredBlue, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts a rollout from a spec (HOCON or JSON); returns it as stored. A spec that names a version
     * or an alias of the model registry instead of a file gets that version's file fetched first, and
     * is stored with the version it resolved to.
     */
    public RolloutRecord start(String specText) {
        Config given;
        try {
            given = ConfigFactory.parseString(specText);
        } catch (com.typesafe.config.ConfigException e) {
            throw new IllegalArgumentException("Invalid rollout spec: " + e.getMessage(), e);
        }
        RolloutSpec spec = RolloutSpec.parse(specText, config);
        String fetched = null;
        if (spec.fromRegistry()) {
            RegistryModelFiles.ModelFile file = registryFiles.orElseThrow(() -> new IllegalArgumentException(
                    "The spec names no model-file or endpoints, so its version comes from the model registry, and this "
                    + "gateway has none: set serving.registry.url (./platform up sets it to its registry)"))
                    .fetch(spec.model(), spec.version(), spec.alias());
            Map<String, Object> source = new java.util.LinkedHashMap<>();
            source.put("alias", file.alias() == null ? "" : file.alias());
            source.put("version", file.version());
            source.put("source", file.source());
            source.put("run-id", file.runId() == null ? "" : file.runId());
            given = given.withValue("version", ConfigValueFactory.fromAnyRef(file.version()))
                    .withValue("model-file", ConfigValueFactory.fromAnyRef(file.file().toString()))
                    .withValue("registry", ConfigValueFactory.fromMap(source));
            spec = RolloutSpec.parse(RolloutSpec.render(given), config);
            fetched = spec.registry().orElseThrow().describe(spec.model()) + " resolved by the model registry: file "
                    + file.file() + " from " + file.source();
        }
        if (spec.endpoints().isEmpty() && !Files.isRegularFile(Path.of(spec.modelFile()))) {
            throw new IllegalArgumentException("Invalid model-file " + spec.modelFile()
                    + ": no such file on the gateway's machine (give an absolute path)");
        }
        DeployedModel deployed = store.model(spec.model()).orElse(null);
        if (deployed != null && deployed.stableVersion().equals(spec.version())) {
            throw new IllegalArgumentException("Version " + spec.version() + " of " + spec.model()
                    + " is the stable version already");
        }
        String specJson = RolloutSpec.render(given);
        long id = store.insert(spec, specJson, deployed == null ? null : deployed.stableVersion());
        if (fetched != null) {
            var detail = Json.mapper().createObjectNode();
            detail.putArray("events").addObject().put("time", Instant.now().toString()).put("message", fetched);
            store.update(id, "progressing", "starting", 0, 0, null, detail);
        }
        RolloutRecord record = store.rollout(id).orElseThrow();
        launch(record, spec, deployed);
        return record;
    }

    private void launch(RolloutRecord record, RolloutSpec spec, DeployedModel deployed) {
        RolloutRun[] self = new RolloutRun[1];
        RolloutRun run = new RolloutRun(record, spec, deployed, store, table, launcher, http, poll,
                () -> closing, () -> {
                    running.remove(spec.model(), self[0]);
                    keptChanged = true;
                });
        self[0] = run;
        running.put(spec.model(), run);
        runner.execute(run);
    }

    /**
     * Tells the model's rollout in progress {@code command}; {@code rollback} of a model with none in
     * progress returns the traffic to the version before its last promotion. Returns the rollout.
     */
    public RolloutRecord command(String model, RolloutCommand command) {
        RolloutRun run = running.get(model);
        if (run != null) {
            run.tell(command);
            return store.rollout(run.id()).orElseThrow();
        }
        if (command == RolloutCommand.ROLLBACK) {
            return rollbackPromotion(model);
        }
        throw new IllegalStateException("Model '" + model + "' has no rollout in progress");
    }

    /** The previous version takes the traffic back: at once when it is still kept running, else once restarted. */
    private synchronized RolloutRecord rollbackPromotion(String model) {
        DeployedModel m = store.model(model).orElseThrow(() -> new IllegalStateException("No model '" + model + "' is deployed"));
        if (m.previousVersion() == null) {
            throw new IllegalStateException("Model '" + model + "' has no previous version to roll back to");
        }
        RolloutRecord last = store.recent(model, 1).stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("Model '" + model + "' has no rollout"));
        List<ModelServerInstance> previous = new ArrayList<>(m.previousInstances().stream()
                .filter(i -> launcher.ready(i.url())).toList());
        boolean instant = !previous.isEmpty();
        while (previous.size() < Math.max(1, m.instances().size())) {
            previous.add(launcher.start(model, m.previousVersion(), m.previousModelFile()));
        }
        table.put(TrafficSplit.stableOnly(model, previous));
        m.instances().forEach(launcher::stop);
        store.saveModel(new DeployedModel(model, m.previousVersion(), m.previousModelFile(), previous, null, null,
                List.of(), null));
        keptChanged = true;
        var detail = last.detail().deepCopy();
        if (detail instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.withArray("events").addObject().put("time", Instant.now().toString()).put("message",
                    "rolled back after promotion to version " + m.previousVersion() + (instant ? " (kept running: instant)" : ""));
        }
        store.update(last.id(), "rolled_back", "done", last.step(), 0, "rolled back by the operator after promotion: "
                + "version " + m.previousVersion() + " serves again" + (instant ? ", switched at once" : ""), detail);
        return store.rollout(last.id()).orElseThrow();
    }

    /** Stops the old version kept after a blue-green switch once its time is up. */
    private synchronized void stopExpiredBlue() {
        Instant due = nextKeptExpiry;
        if (!keptChanged && (due == null || Instant.now().isBefore(due))) {
            return;
        }
        keptChanged = false;
        try {
            Instant earliest = null;
            for (DeployedModel m : store.models()) {
                if (m.previousInstances().isEmpty() || m.previousKeptUntil() == null) {
                    continue;
                }
                if (Instant.now().isAfter(m.previousKeptUntil()) && !running.containsKey(m.model())) {
                    m.previousInstances().forEach(launcher::stop);
                    store.saveModel(m.withoutPrevious());
                    LOG.info("Stopped the kept version {} of {}", m.previousVersion(), m.model());
                } else if (earliest == null || m.previousKeptUntil().isBefore(earliest)) {
                    earliest = m.previousKeptUntil();
                }
            }
            nextKeptExpiry = earliest;
        } catch (RuntimeException e) {
            keptChanged = true;
            LOG.warn("Cannot stop kept versions (tried again shortly): {}", e.toString());
        }
    }

    public RolloutStore store() {
        return store;
    }

    /**
     * Stops the rollout threads; their state stays stored for the next controller. With
     * {@code stopModelServers}, also stops every model server this gateway runs.
     */
    public void close(boolean stopModelServers) {
        closing = true;
        housekeeping.shutdownNow();
        runner.shutdownNow();
        try {
            runner.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopModelServers) {
            launcher.stopAll();
        }
    }

    @Override
    public void close() {
        close(true);
    }
}
