package dev.noexcuses.serving.rollout;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A declarative rollout: which model version to release and how. Written as HOCON or JSON; every
 * setting not given takes its default from {@code serving.rollout-defaults}.
 *
 * <pre>
 * model = churn, version = "7", model-file = "models/churn-7.json", strategy = canary
 * # or, instead of model-file, model servers running already (registered external endpoints):
 * # endpoints = ["http://10.0.0.5:8098"]
 * # or neither: version 7 of the model registry's model churn (version = "7"), or what an alias points at
 * # (alias = champion), resolved and fetched by the gateway when the rollout starts
 * canary { steps = [5, 25, 50], analysis-interval = 30s, min-samples = 200 }
 * </pre>
 */
public record RolloutSpec(String model, String version, String modelFile, List<String> endpoints, Strategy strategy,
                          int replicas, Canary canary, BlueGreen blueGreen, Shadow shadow, Rolling rolling,
                          Map<String, Double> smokeFeatures, String alias, Optional<RegistrySource> registry) {

    /**
     * The registry version a rollout's model file was fetched from, recorded in its stored spec when the
     * gateway resolved it (a resumed rollout keeps the version even if the alias has moved since).
     *
     * @param alias the alias it was resolved from, blank when the spec named the version
     * @param source the artifact's location in the registry
     */
    public record RegistrySource(String alias, String version, String source, String runId) {
        public RegistrySource {
            requireNonNull(alias, "alias is null");
            requireNonNull(version, "version is null");
            requireNonNull(source, "source is null");
            runId = runId == null ? "" : runId;
        }

        /** {@code churn@champion (v7)} or {@code churn v7}. */
        public String describe(String model) {
            return alias.isBlank() ? model + " v" + version : model + "@" + alias + " (v" + version + ")";
        }
    }

    public enum Strategy {
        CANARY, BLUE_GREEN, SHADOW, ROLLING, RECREATE;

        static Strategy parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid strategy '" + text
                        + "': expected canary, blue-green, shadow, rolling or recreate");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Weighted steps; at each one the canary is compared with the baseline over the same time.
     *
     * @param steps the canary's share of traffic at each step, percent, rising; promotion sends it 100%
     * @param analysisInterval how long a step runs before its analysis (and between inconclusive analyses)
     * @param minSamples requests each side needs before an analysis can decide; fewer is inconclusive and waits
     * @param alpha significance of the one-sided two-proportion test of error rates
     * @param maxP99Ratio the canary's p99 latency may be at most this times the baseline's, plus {@code p99Slack}
     * @param maxPsi largest population stability index between the two score distributions
     * @param driftAlpha a PSI above {@code maxPsi} fails only when two draws of one distribution at these
     *                   sample sizes would exceed it with at most this probability; below, it is inconclusive
     */
    public record Canary(List<Integer> steps, Duration analysisInterval, int minSamples, double alpha,
                         double maxP99Ratio, Duration p99Slack, double maxPsi, double driftAlpha, boolean autoPromote) {
        public Canary {
            steps = List.copyOf(steps);
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("Invalid canary.steps []: expected at least one step");
            }
            int last = 0;
            for (int s : steps) {
                if (s <= last || s >= 100) {
                    throw new IllegalArgumentException("Invalid canary.steps " + steps
                            + ": expected rising percentages between 1 and 99 (promotion takes the canary to 100)");
                }
                last = s;
            }
            if (minSamples < 1 || alpha <= 0 || alpha >= 1 || maxP99Ratio < 1 || maxPsi <= 0 || driftAlpha <= 0
                    || driftAlpha >= 1) {
                throw new IllegalArgumentException("Invalid canary analysis settings: min-samples >= 1, 0 < alpha < 1, "
                        + "max-p99-ratio >= 1, max-psi > 0, 0 < drift-alpha < 1");
            }
        }
    }

    /** @param keepBlue how long the old version keeps running after the switch, for an instant rollback */
    public record BlueGreen(int smokeRequests, Duration keepBlue, boolean autoPromote) {}

    /**
     * @param share the fraction of requests copied to the candidate
     * @param queue the most shadow requests in flight; more are dropped (counted), never waited for
     * @param tolerance two scores closer than this agree
     */
    public record Shadow(double share, int queue, int minSamples, double tolerance, double minAgreement,
                         double maxMeanAbsDiff, boolean autoPromote) {}

    public record Rolling(int maxSurge, int maxUnavailable) {
        public Rolling {
            if (maxSurge < 0 || maxUnavailable < 0 || maxSurge + maxUnavailable == 0) {
                throw new IllegalArgumentException("Invalid rolling settings max-surge " + maxSurge + ", max-unavailable "
                        + maxUnavailable + ": expected non-negative numbers, not both 0");
            }
        }
    }

    public RolloutSpec {
        requireNonNull(model, "model is null");
        requireNonNull(version, "version is null");
        requireNonNull(modelFile, "modelFile is null");
        requireNonNull(strategy, "strategy is null");
        smokeFeatures = Map.copyOf(smokeFeatures);
        endpoints = List.copyOf(endpoints);
        requireNonNull(alias, "alias is null");
        requireNonNull(registry, "registry is null");
        if (!alias.isBlank() && registry.isEmpty() && (!modelFile.isBlank() || !endpoints.isEmpty())) {
            throw new IllegalArgumentException("Invalid rollout spec: alias '" + alias + "' names a version of the model "
                    + "registry, whose file the gateway fetches: give it without model-file and endpoints");
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("Invalid replicas " + replicas + ": expected 1 or more");
        }
    }

    /**
     * Whether the model file is still to be fetched from the model registry: the spec names neither a
     * model file nor endpoints, but a registry version or an alias.
     */
    public boolean fromRegistry() {
        return modelFile.isBlank() && endpoints.isEmpty();
    }

    /** Parses a spec (HOCON or JSON), filling what it leaves out from {@code serving.rollout-defaults} of {@code config}. */
    public static RolloutSpec parse(String text, Config config) {
        Config given;
        try {
            given = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid rollout spec: " + e.getMessage(), e);
        }
        return from(given.withFallback(config.getConfig("serving.rollout-defaults")).resolve());
    }

    private static RolloutSpec from(Config c) {
        try {
            if (!c.hasPath("model") || c.getString("model").isBlank()) {
                throw new IllegalArgumentException("Invalid rollout spec: 'model' is missing");
            }
            String alias = c.hasPath("alias") ? c.getString("alias").trim() : "";
            String version = c.hasPath("version") ? c.getString("version").trim() : "";
            if (version.isEmpty() && alias.isEmpty()) {
                throw new IllegalArgumentException("Invalid rollout spec: 'version' is missing (or name an alias of the "
                        + "model registry: alias = champion)");
            }
            Optional<RegistrySource> registry = c.hasPath("registry")
                    ? Optional.of(new RegistrySource(c.hasPath("registry.alias") ? c.getString("registry.alias") : "",
                            c.getString("registry.version"), c.getString("registry.source"),
                            c.hasPath("registry.run-id") ? c.getString("registry.run-id") : ""))
                    : Optional.empty();
            Map<String, Double> smoke = new LinkedHashMap<>();
            if (c.hasPath("smoke-features")) {
                c.getConfig("smoke-features").entrySet().forEach(e ->
                        smoke.put(e.getKey(), ((Number) e.getValue().unwrapped()).doubleValue()));
            }
            return new RolloutSpec(c.getString("model"), version,
                    c.hasPath("model-file") ? c.getString("model-file") : "",
                    c.hasPath("endpoints") ? c.getStringList("endpoints") : List.of(),
                    Strategy.parse(c.getString("strategy")), c.getInt("replicas"),
                    new Canary(c.getIntList("canary.steps"), c.getDuration("canary.analysis-interval"),
                            c.getInt("canary.min-samples"), c.getDouble("canary.alpha"),
                            c.getDouble("canary.max-p99-ratio"), c.getDuration("canary.p99-slack"),
                            c.getDouble("canary.max-psi"), c.getDouble("canary.drift-alpha"),
                            c.getBoolean("canary.auto-promote")),
                    new BlueGreen(c.getInt("blue-green.smoke-requests"), c.getDuration("blue-green.keep-blue"),
                            c.getBoolean("blue-green.auto-promote")),
                    new Shadow(c.getDouble("shadow.share"), c.getInt("shadow.queue"), c.getInt("shadow.min-samples"),
                            c.getDouble("shadow.tolerance"), c.getDouble("shadow.min-agreement"),
                            c.getDouble("shadow.max-mean-abs-diff"), c.getBoolean("shadow.auto-promote")),
                    new Rolling(c.getInt("rolling.max-surge"), c.getInt("rolling.max-unavailable")),
                    smoke, alias, registry);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid rollout spec: " + e.getMessage(), e);
        }
    }

    /** The spec as it will run, every default filled in, as JSON (what is stored with the rollout). */
    public String toJson() {
        return dev.noexcuses.common.json.Json.toText(this);
    }

    /** Renders a parsed HOCON spec as JSON text, as the command line sends it. */
    public static String render(Config spec) {
        return spec.root().render(ConfigRenderOptions.concise());
    }
}
