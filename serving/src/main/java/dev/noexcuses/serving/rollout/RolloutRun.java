package dev.noexcuses.serving.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.analysis.CanaryAnalysis;
import dev.noexcuses.serving.analysis.ShadowComparison;
import dev.noexcuses.serving.gateway.TrafficSplit;
import dev.noexcuses.serving.gateway.TrafficTable;
import dev.noexcuses.serving.instances.ModelServerInstance;
import dev.noexcuses.serving.instances.ModelServerLauncher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rollout, carried out by its strategy on a thread of its own. Every change of traffic and every
 * decision is stored before the next step, with the values behind it, so a restarted gateway resumes
 * from the stored phase. Operator commands are taken at each wait.
 */
final class RolloutRun implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(RolloutRun.class);

    private final long id;
    private final RolloutSpec spec;
    private final RolloutStore store;
    private final TrafficTable table;
    private final ModelServerLauncher launcher;
    private final WebClient http;
    private final Duration poll;
    private final java.util.function.BooleanSupplier closing;
    private final Runnable onEnd;
    private final AtomicReference<RolloutCommand> pending = new AtomicReference<>();

    private DeployedModel deployed;
    private String state = "progressing";
    private String phase;
    private int step;
    private int percent;
    private String reason;
    private final ObjectNode detail;
    private List<ModelServerInstance> candidates = new ArrayList<>();

    /** Thrown at a wait when the rollout ends without promotion: aborted, rolled back or failed. */
    private static final class Revert extends RuntimeException {
        final String endState;

        Revert(String endState, String reason) {
            super(reason, null, false, false);
            this.endState = endState;
        }
    }

    /** Thrown at a wait when the operator promotes. */
    private static final class PromoteNow extends RuntimeException {
        PromoteNow() {
            super("promoted by the operator", null, false, false);
        }
    }

    RolloutRun(RolloutRecord record, RolloutSpec spec, DeployedModel deployed, RolloutStore store, TrafficTable table,
               ModelServerLauncher launcher, WebClient http, Duration poll, java.util.function.BooleanSupplier closing,
               Runnable onEnd) {
        this.closing = closing;
        this.id = record.id();
        this.spec = spec;
        this.deployed = deployed;
        this.store = store;
        this.table = table;
        this.launcher = launcher;
        this.http = http;
        this.poll = poll;
        this.onEnd = onEnd;
        this.state = record.state();
        this.phase = record.phase();
        this.step = record.step();
        this.percent = record.candidatePercent();
        this.detail = record.detail() instanceof ObjectNode o ? o.deepCopy() : Json.mapper().createObjectNode();
        if (!detail.has("analyses")) {
            detail.putArray("analyses");
        }
        if (!detail.has("events")) {
            detail.putArray("events");
        }
        // Candidates a previous gateway started that still answer are taken over; the others are gone.
        JsonNode recorded = detail.path("candidate_instances");
        if (recorded.isArray()) {
            for (JsonNode n : recorded) {
                ModelServerInstance i = Json.mapper().convertValue(n, ModelServerInstance.class);
                if (launcher.ready(i.url())) {
                    launcher.adopt(i);
                    candidates.add(i);
                }
            }
        }
    }

    long id() {
        return id;
    }

    String model() {
        return spec.model();
    }

    /** Takes {@code command} at the rollout's next wait. */
    void tell(RolloutCommand command) {
        pending.set(command);
    }

    @Override
    public void run() {
        try {
            if (state.equals("paused")) {
                awaitResume();
            }
            if (deployed == null) {
                deployFirstVersion();
                return;
            }
            switch (spec.strategy()) {
                case CANARY -> canary();
                case BLUE_GREEN -> blueGreen();
                case SHADOW -> shadow();
                case ROLLING -> rolling();
                case RECREATE -> recreate();
            }
        } catch (Revert r) {
            if (!closing.getAsBoolean()) {
                revert(r.endState, r.getMessage());
            }
        } catch (PromoteNow p) {
            if (!closing.getAsBoolean()) {
                promote(p.getMessage());
            }
        } catch (InterruptedException e) {
            // The gateway stops: the stored state is where the next gateway resumes.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted() || closing.getAsBoolean()) {
                // The gateway stops: the stored state is where the next gateway resumes.
                return;
            }
            LOG.error("Rollout {} of {} failed", id, spec.model(), e);
            revert("failed", e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            onEnd.run();
        }
    }

    // ---- strategies ----

    private void deployFirstVersion() {
        phase = "starting";
        save();
        List<ModelServerInstance> started = new ArrayList<>();
        for (int i = 0; i < spec.replicas(); i++) {
            started.add(newServer());
        }
        deployed = new DeployedModel(spec.model(), spec.version(), spec.modelFile(), started, null, null, List.of(), null);
        store.saveModel(deployed);
        table.put(TrafficSplit.stableOnly(spec.model(), started));
        end("promoted", "first version of the model: deployed directly, there is no stable version to release against", 100);
    }

    private void canary() throws InterruptedException {
        startCandidates(1);
        RolloutSpec.Canary c = spec.canary();
        var thresholds = new CanaryAnalysis.Thresholds(c.minSamples(), c.alpha(), c.maxP99Ratio(),
                c.p99Slack().toNanos() / 1e6, c.maxPsi(), c.driftAlpha());
        for (; step < c.steps().size(); step++) {
            percent = c.steps().get(step);
            phase = "step";
            table.update(spec.model(), s -> s.withCandidate(candidates, percent));
            table.stats(spec.model(), deployed.stableVersion()).resetWindow();
            table.stats(spec.model(), spec.version()).resetWindow();
            event("step " + (step + 1) + " of " + c.steps().size() + ": canary takes " + percent + "% of traffic");
            save();
            long stepStart = System.nanoTime();
            while (true) {
                waitFor(poll);
                if (System.nanoTime() - stepStart < c.analysisInterval().toNanos()) {
                    continue;
                }
                CanaryAnalysis.Verdict verdict = CanaryAnalysis.analyse(
                        table.stats(spec.model(), deployed.stableVersion()).window(),
                        table.stats(spec.model(), spec.version()).window(), thresholds);
                recordAnalysis(verdict);
                if (verdict.outcome() == CanaryAnalysis.Outcome.PASS) {
                    break;
                }
                if (verdict.outcome() == CanaryAnalysis.Outcome.FAIL) {
                    throw new Revert("rolled_back", "canary step " + (step + 1) + " (" + percent + "%) failed its analysis: "
                            + verdict.reason());
                }
                // Inconclusive: too little traffic to decide either way; analyse again after another interval.
                stepStart = System.nanoTime();
            }
        }
        if (c.autoPromote()) {
            promote("the canary passed the analysis of every step");
        } else {
            awaitPromotion();
        }
    }

    private void blueGreen() throws InterruptedException {
        phase = "starting_green";
        save();
        startCandidates(spec.replicas());
        phase = "smoke_test";
        save();
        smokeTest();
        if (spec.blueGreen().autoPromote()) {
            promote("green passed its smoke test: all traffic switched at once");
        } else {
            awaitPromotion();
        }
    }

    private void shadow() throws InterruptedException {
        startCandidates(1);
        RolloutSpec.Shadow s = spec.shadow();
        ShadowComparison comparison = table.startComparison(spec.model(), s.tolerance());
        table.update(spec.model(), split -> split.withShadow(Optional.of(
                new TrafficSplit.Mirror(candidates, s.share(), s.queue(), spec.version()))));
        phase = "shadowing";
        event("shadow receives copies of " + Math.round(s.share() * 100) + "% of requests");
        save();
        long lastSave = System.nanoTime();
        while (comparison.observed() < s.minSamples()) {
            waitFor(poll);
            if (System.nanoTime() - lastSave > TimeUnit.SECONDS.toNanos(1)) {
                detail.set("shadow", Json.mapper().valueToTree(comparison.values()));
                save();
                lastSave = System.nanoTime();
            }
        }
        Map<String, Object> values = new LinkedHashMap<>(comparison.values());
        values.put("min_agreement", s.minAgreement());
        values.put("max_mean_abs_diff", s.maxMeanAbsDiff());
        detail.set("shadow", Json.mapper().valueToTree(values));
        table.update(spec.model(), split -> split.withShadow(Optional.empty()));
        long compared = comparison.compared();
        String failed = comparison.agreement() < s.minAgreement()
                ? String.format(java.util.Locale.ROOT, "agreement %.4f < %.4f", comparison.agreement(), s.minAgreement())
                : comparison.meanAbsDiff() > s.maxMeanAbsDiff()
                ? String.format(java.util.Locale.ROOT, "mean absolute score difference %.4f > %.4f",
                        comparison.meanAbsDiff(), s.maxMeanAbsDiff())
                : comparison.shadowErrors() > compared / 100
                ? comparison.shadowErrors() + " shadow errors in " + compared + " comparisons (more than 1%)" : null;
        if (failed != null) {
            throw new Revert("rolled_back", "shadow comparison gate failed: " + failed);
        }
        event("shadow comparison gate passed over " + compared + " requests");
        save();
        if (s.autoPromote()) {
            promote("the shadow's answers agreed with the primary's");
        } else {
            awaitPromotion();
        }
    }

    private void rolling() throws InterruptedException {
        phase = "replacing";
        save();
        int desired = spec.replicas();
        int maxTotal = desired + spec.rolling().maxSurge();
        int minAvailable = desired - spec.rolling().maxUnavailable();
        List<ModelServerInstance> pool = new ArrayList<>(deployed.instances().stream()
                .filter(i -> launcher.ready(i.url())).toList());
        while (true) {
            List<ModelServerInstance> old = pool.stream().filter(i -> !i.version().equals(spec.version())).toList();
            List<ModelServerInstance> fresh = pool.stream().filter(i -> i.version().equals(spec.version())).toList();
            if (old.isEmpty() && fresh.size() >= desired) {
                break;
            }
            waitFor(Duration.ZERO);
            if (fresh.size() < desired && pool.size() < maxTotal) {
                ModelServerInstance started = newServer();
                // Ready before it gets traffic: start() returns once the server answers ready.
                pool.add(started);
                applyPool(pool, "new replica " + started.url() + " ready and taking traffic");
                continue;
            }
            if (!old.isEmpty() && pool.size() > minAvailable) {
                ModelServerInstance retired = old.get(0);
                pool.remove(retired);
                applyPool(pool, "old replica " + retired.url() + " taken out of traffic and stopped");
                launcher.stop(retired);
                continue;
            }
            throw new IllegalStateException("Rolling update stuck: " + old.size() + " old and " + fresh.size()
                    + " new replicas, max-surge " + spec.rolling().maxSurge() + ", max-unavailable "
                    + spec.rolling().maxUnavailable());
        }
        candidates = new ArrayList<>(pool);
        promote("every replica replaced");
    }

    private void applyPool(List<ModelServerInstance> pool, String what) {
        table.update(spec.model(), s -> s.withStable(pool));
        deployed = deployed.withInstances(pool);
        store.saveModel(deployed);
        percent = (int) Math.round(100.0 * pool.stream().filter(i -> i.version().equals(spec.version())).count()
                / Math.max(1, pool.size()));
        event(what);
        save();
    }

    private void recreate() throws InterruptedException {
        Instant down = detail.hasNonNull("down_since") ? Instant.parse(detail.get("down_since").asText()) : Instant.now();
        detail.put("down_since", down.toString());
        phase = "stopping_old";
        save();
        table.put(TrafficSplit.stableOnly(spec.model(), List.of()));
        List<ModelServerInstance> old = deployed.instances();
        deployed = deployed.withInstances(List.of());
        store.saveModel(deployed);
        old.forEach(launcher::stop);
        event("old version stopped: no model server serves " + spec.model() + " until the new one is ready");
        phase = "starting_new";
        save();
        startCandidates(spec.replicas());
        table.put(TrafficSplit.stableOnly(spec.model(), candidates));
        long downtimeMs = Duration.between(down, Instant.now()).toMillis();
        detail.put("downtime_ms", downtimeMs);
        promote("recreated: measured downtime " + downtimeMs + " ms");
    }

    // ---- shared steps ----

    /**
     * A new model server of the candidate version: started by the launcher, or, for a spec with
     * {@code endpoints}, the next of those external servers (never stopped by the gateway).
     */
    private ModelServerInstance newServer() {
        if (spec.endpoints().isEmpty()) {
            return launcher.start(spec.model(), spec.version(), spec.modelFile());
        }
        List<String> inUse = new ArrayList<>(candidates.stream().map(ModelServerInstance::url).toList());
        if (deployed != null) {
            deployed.instances().forEach(i -> inUse.add(i.url()));
        }
        String url = spec.endpoints().stream().filter(u -> !inUse.contains(u)).findFirst()
                .orElseThrow(() -> new IllegalStateException("More model servers needed than the spec's endpoints "
                        + spec.endpoints()));
        if (!launcher.ready(url)) {
            throw new IllegalStateException("The model server at " + url + " is not ready (GET /readyz)");
        }
        return new ModelServerInstance(spec.model(), spec.version(), spec.modelFile(), url, -1);
    }

    /** Starts candidate servers until {@code count} run (taking over those a previous gateway left ready). */
    private void startCandidates(int count) {
        phase = "starting_candidate";
        save();
        while (candidates.size() < count) {
            candidates.add(newServer());
            detail.set("candidate_instances", Json.mapper().valueToTree(candidates));
            event("candidate " + spec.version() + " ready at " + candidates.get(candidates.size() - 1).url());
            save();
        }
    }

    /** Predictions sent straight to each green server, with no user traffic: each must answer a score. */
    private void smokeTest() {
        int ok = 0;
        List<String> failures = new ArrayList<>();
        for (ModelServerInstance green : candidates) {
            ObjectNode features = Json.mapper().createObjectNode();
            try {
                AggregatedHttpResponse info = http.get(green.url() + "/v1/models/" + spec.model()).aggregate().join();
                Json.mapper().readTree(info.contentUtf8()).path("features").forEach(f -> features.put(f.asText(), 0.0));
            } catch (Exception e) {
                failures.add(green.url() + ": " + e.getMessage());
                continue;
            }
            spec.smokeFeatures().forEach(features::put);
            byte[] body = Json.toBytes(Map.of("features", features));
            for (int i = 0; i < spec.blueGreen().smokeRequests(); i++) {
                AggregatedHttpResponse res = http.execute(HttpRequest.of(HttpMethod.POST,
                        green.url() + "/v1/models/" + spec.model() + "/predict", MediaType.JSON_UTF_8, body)).aggregate().join();
                double score = Double.NaN;
                if (res.status().isSuccess()) {
                    try {
                        score = Json.mapper().readTree(res.contentUtf8()).path("score").asDouble(Double.NaN);
                    } catch (Exception e) {
                        score = Double.NaN;
                    }
                }
                if (Double.isFinite(score)) {
                    ok++;
                } else if (failures.size() < 5) {
                    failures.add(green.url() + " answered " + res.status() + ": " + res.contentUtf8());
                }
            }
        }
        int expected = candidates.size() * spec.blueGreen().smokeRequests();
        ObjectNode smoke = detail.putObject("smoke_test");
        smoke.put("requests", expected).put("succeeded", ok);
        smoke.set("failures", Json.mapper().valueToTree(failures));
        save();
        if (ok < expected || !failures.isEmpty()) {
            throw new Revert("rolled_back", "green failed its smoke test: " + ok + " of " + expected
                    + " predictions succeeded" + (failures.isEmpty() ? "" : "; " + failures.get(0)));
        }
        event("smoke test passed: " + ok + " predictions");
    }

    /**
     * The candidate becomes the stable version and takes all traffic at once; the old version is stopped,
     * or kept for an instant rollback (blue-green's keep-blue).
     */
    private void promote(String why) {
        candidates.removeIf(i -> !launcher.ready(i.url()));
        while (candidates.size() < spec.replicas()) {
            candidates.add(newServer());
        }
        List<ModelServerInstance> newStable = List.copyOf(candidates);
        table.put(TrafficSplit.stableOnly(spec.model(), newStable));
        List<ModelServerInstance> old = deployed.instances().stream().filter(i -> !newStable.contains(i)).toList();
        Duration keep = spec.strategy() == RolloutSpec.Strategy.BLUE_GREEN ? spec.blueGreen().keepBlue() : Duration.ZERO;
        List<ModelServerInstance> kept = keep.isZero() ? List.of() : old;
        // An older kept version (from a previous release) goes now: only the last one is kept.
        deployed.previousInstances().forEach(launcher::stop);
        deployed = deployed.promote(spec.version(), spec.modelFile(), newStable, kept, Instant.now().plus(keep));
        store.saveModel(deployed);
        if (kept.isEmpty()) {
            old.forEach(launcher::stop);
        } else {
            event("blue (version " + deployed.previousVersion() + ") kept running until " + deployed.previousKeptUntil()
                    + " for an instant rollback");
        }
        detail.set("candidate_instances", Json.mapper().valueToTree(newStable));
        end("promoted", why, 100);
    }

    /** All traffic back to the stable version at once, then the candidate is stopped. */
    private void revert(String endState, String why) {
        try {
            List<ModelServerInstance> stablePool = new ArrayList<>(deployed == null ? List.of() : deployed.instances().stream()
                    .filter(i -> i.version().equals(deployed.stableVersion())).toList());
            if (deployed != null) {
                table.put(TrafficSplit.stableOnly(spec.model(), stablePool));
                if (stablePool.isEmpty() && !deployed.stableModelFile().isBlank()) {
                    // Nothing of the stable version runs (a recreate in the middle, or it died): start it again.
                    stablePool.add(launcher.start(spec.model(), deployed.stableVersion(), deployed.stableModelFile()));
                    table.put(TrafficSplit.stableOnly(spec.model(), stablePool));
                }
                List<ModelServerInstance> others = deployed.instances().stream()
                        .filter(i -> !i.version().equals(deployed.stableVersion())).toList();
                int wanted = Math.max(1, deployed.instances().size());
                candidates.forEach(launcher::stop);
                others.forEach(launcher::stop);
                while (stablePool.size() < wanted && !deployed.stableModelFile().isBlank()) {
                    stablePool.add(launcher.start(spec.model(), deployed.stableVersion(), deployed.stableModelFile()));
                    table.put(TrafficSplit.stableOnly(spec.model(), stablePool));
                }
                deployed = deployed.withInstances(stablePool);
                store.saveModel(deployed);
            } else {
                candidates.forEach(launcher::stop);
            }
            candidates = new ArrayList<>();
            detail.set("candidate_instances", Json.mapper().createArrayNode());
        } catch (RuntimeException e) {
            LOG.error("Rollout {}: cannot restore the stable version of {}", id, spec.model(), e);
            why = why + "; restoring the stable version failed: " + e.getMessage();
        }
        end(endState, why, 0);
    }

    private void awaitPromotion() throws InterruptedException {
        phase = "awaiting_promotion";
        event("waiting for ./platform rollout promote " + spec.model());
        save();
        while (true) {
            waitFor(poll);
        }
    }

    /** Waits {@code duration}, taking operator commands meanwhile (at least once). */
    private void waitFor(Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        do {
            RolloutCommand command = pending.getAndSet(null);
            if (command != null) {
                take(command);
            }
            long left = deadline - System.nanoTime();
            if (left > 0) {
                Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
        } while (System.nanoTime() < deadline);
    }

    private void take(RolloutCommand command) throws InterruptedException {
        switch (command) {
            case ABORT -> throw new Revert("aborted", "aborted by the operator: all traffic back to version "
                    + (deployed == null ? "-" : deployed.stableVersion()));
            case ROLLBACK -> throw new Revert("rolled_back", "rolled back by the operator");
            case PROMOTE -> throw new PromoteNow();
            case PAUSE -> {
                state = "paused";
                event("paused by the operator at " + percent + "% candidate traffic");
                save();
                awaitResume();
            }
            case RESUME -> { }
        }
    }

    private void awaitResume() throws InterruptedException {
        while (true) {
            RolloutCommand command = pending.getAndSet(null);
            if (command == RolloutCommand.RESUME) {
                state = "progressing";
                event("resumed by the operator");
                save();
                return;
            }
            if (command != null && command != RolloutCommand.PAUSE) {
                state = "progressing";
                take(command);
            }
            Thread.sleep(100);
        }
    }

    private void recordAnalysis(CanaryAnalysis.Verdict verdict) {
        ArrayNode analyses = (ArrayNode) detail.get("analyses");
        ObjectNode entry = Json.mapper().createObjectNode();
        entry.put("time", Instant.now().toString());
        entry.put("step", step + 1);
        entry.put("percent", percent);
        entry.put("outcome", verdict.outcome().name().toLowerCase(java.util.Locale.ROOT));
        entry.put("reason", verdict.reason());
        entry.set("values", Json.mapper().valueToTree(verdict.values()));
        // Repeated inconclusive analyses of one step keep only the latest, so a quiet step does not grow the record.
        int last = analyses.size() - 1;
        if (last >= 0 && analyses.get(last).path("step").asInt() == step + 1
                && analyses.get(last).path("outcome").asText().equals("inconclusive")) {
            analyses.remove(last);
        }
        analyses.add(entry);
        save();
    }

    private void event(String message) {
        ArrayNode events = (ArrayNode) detail.get("events");
        events.addObject().put("time", Instant.now().toString()).put("message", message);
        while (events.size() > 200) {
            events.remove(0);
        }
        LOG.info("Rollout {} of {} {}: {}", id, spec.model(), spec.version(), message);
    }

    private void end(String endState, String why, int finalPercent) {
        state = endState;
        phase = "done";
        reason = why;
        percent = finalPercent;
        event(endState + ": " + why);
        save();
    }

    private void save() {
        detail.set("candidate_instances", Json.mapper().valueToTree(candidates));
        store.update(id, state, phase, step, percent, reason, detail);
    }
}
