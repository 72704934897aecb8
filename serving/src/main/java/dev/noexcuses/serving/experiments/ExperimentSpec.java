package dev.noexcuses.serving.experiments;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import dev.noexcuses.serving.experiments.statistics.SampleSize;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A declared A/B experiment of two versions of one model. Control is the version the model serves
 * now; treatment is a new version (a model file or running endpoints) that the gateway runs as a
 * canary at a fixed share of the users for the planned duration. Written as HOCON or JSON; what it
 * leaves out comes from {@code serving.experiments.defaults}.
 *
 * <pre>
 * name = churn-8-vs-7, model = churn
 * treatment { version = "8", model-file = "models/churn-8.json" }
 * treatment-share = 50, metric = conversion, baseline = 0.10, minimum-detectable-effect = 0.02
 * alpha = 0.05, power = 0.8, duration = 14d
 * </pre>
 *
 * @param controlVersion the model's stable version; blank: whichever it is at the start
 * @param treatmentShare percent of users assigned to treatment, 1 to 99
 * @param salt mixed into the hash of the user key: the same user gets independent arms in experiments
 *             with different salts (the name by default)
 * @param baseline the control's expected value of the metric: a rate, or a mean for revenue
 * @param stddev the expected standard deviation of revenue per user (revenue only)
 * @param minimumEffect the smallest absolute difference worth detecting: sizes the sample and tunes the
 *                      sequential test
 * @param handOver at the end, promote the treatment when it wins and passes the guardrails, else keep control
 */
public record ExperimentSpec(String name, String model, String controlVersion, String treatmentVersion,
                             String treatmentModelFile, List<String> treatmentEndpoints, int treatmentShare,
                             String salt, Metric metric, double baseline, double stddev, double minimumEffect,
                             double alpha, double power, Duration duration, Guardrails guardrails, boolean handOver,
                             Config canary) {

    /** The metric the experiment is decided on. */
    public enum Metric {
        /** Share of exposed users with a purchase after their first exposure. */
        CONVERSION,
        /** Revenue per exposed user after the first exposure (0 for users who bought nothing). */
        REVENUE_PER_USER,
        /** Share of exposed users with no event in the N days after their first exposure (lower is better). */
        CHURN;

        static Metric parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid metric '" + text
                        + "': expected conversion, revenue_per_user or churn");
            }
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean isRate() {
            return this != REVENUE_PER_USER;
        }

        /** Whether a higher value is better (churn: lower is). */
        public boolean higherIsBetter() {
            return this != CHURN;
        }
    }

    /**
     * What the treatment must not make worse, whatever the metric says.
     *
     * @param alpha significance of the one-sided test that the treatment's error rate is higher
     * @param maxP99Ratio the treatment's p99 latency at most this times the control's
     */
    public record Guardrails(double alpha, double maxP99Ratio) {}

    public ExperimentSpec {
        requireNonNull(name, "name is null");
        requireNonNull(model, "model is null");
        treatmentEndpoints = List.copyOf(treatmentEndpoints);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw new IllegalArgumentException("Invalid experiment name '" + name
                    + "': expected letters, digits, '.', '_' or '-', at most 100");
        }
        if (treatmentVersion.isBlank()) {
            throw new IllegalArgumentException("Invalid experiment spec: treatment.version is missing");
        }
        if (treatmentModelFile.isBlank() && treatmentEndpoints.isEmpty()) {
            throw new IllegalArgumentException("Invalid experiment spec: give treatment.model-file (the gateway starts "
                    + "its model server) or treatment.endpoints (model servers running already)");
        }
        if (treatmentShare < 1 || treatmentShare > 99) {
            throw new IllegalArgumentException("Invalid treatment-share " + treatmentShare + ": expected 1 to 99 (percent of users)");
        }
        if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1) || minimumEffect <= 0) {
            throw new IllegalArgumentException("Invalid statistics settings alpha " + alpha + ", power " + power
                    + ", minimum-detectable-effect " + minimumEffect + ": expected 0 < alpha < 1, 0 < power < 1, an effect > 0");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("Invalid duration " + duration + ": expected more than 0");
        }
        // Fails early on a baseline that cannot be planned for (a rate outside (0, 1), no stddev for revenue).
        samplePlan(metric, baseline, stddev, minimumEffect, alpha, power, treatmentShare);
    }

    /** Users needed per arm to detect the minimum effect at alpha with the stated power. */
    public SampleSize.Plan plan() {
        return samplePlan(metric, baseline, stddev, minimumEffect, alpha, power, treatmentShare);
    }

    private static SampleSize.Plan samplePlan(Metric metric, double baseline, double stddev, double effect, double alpha,
                                              double power, int share) {
        if (metric.isRate()) {
            // The planned effect in the direction that is better: churn down, conversion up.
            double signed = metric.higherIsBetter() ? effect : -effect;
            return SampleSize.forProportion(baseline, signed, alpha, power, share / 100.0);
        }
        if (!(stddev > 0)) {
            throw new IllegalArgumentException("Invalid experiment spec: metric revenue_per_user needs stddev > 0 "
                    + "(the expected standard deviation of revenue per user) to size the sample");
        }
        return SampleSize.forMean(stddev, effect, alpha, power, share / 100.0);
    }

    /** Parses a spec, filling what it leaves out from {@code serving.experiments.defaults} of {@code config}. */
    public static ExperimentSpec parse(String text, Config config) {
        Config given;
        try {
            given = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid experiment spec: " + e.getMessage(), e);
        }
        Config c = given.withFallback(config.getConfig("serving.experiments.defaults")).resolve();
        try {
            for (String key : List.of("name", "model")) {
                if (!c.hasPath(key) || c.getString(key).isBlank()) {
                    throw new IllegalArgumentException("Invalid experiment spec: '" + key + "' is missing");
                }
            }
            String name = c.getString("name");
            return new ExperimentSpec(name, c.getString("model"),
                    c.hasPath("control.version") ? c.getString("control.version") : "",
                    c.hasPath("treatment.version") ? c.getString("treatment.version") : "",
                    c.hasPath("treatment.model-file") ? c.getString("treatment.model-file") : "",
                    c.hasPath("treatment.endpoints") ? c.getStringList("treatment.endpoints") : List.of(),
                    c.getInt("treatment-share"),
                    c.hasPath("salt") && !c.getString("salt").isBlank() ? c.getString("salt") : name,
                    Metric.parse(c.getString("metric")), c.getDouble("baseline"),
                    c.hasPath("stddev") ? c.getDouble("stddev") : 0, c.getDouble("minimum-detectable-effect"),
                    c.getDouble("alpha"), c.getDouble("power"), c.getDuration("duration"),
                    new Guardrails(c.getDouble("guardrails.alpha"), c.getDouble("guardrails.max-p99-ratio")),
                    c.getBoolean("hand-over"), c.getConfig("canary"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid experiment spec: " + e.getMessage(), e);
        }
    }

    /**
     * The canary rollout that carries the experiment: treatment at the fixed share for the whole
     * experiment (one step, never promoted by itself), its live analysis (errors, p99) as the first
     * guardrail. The drift check is off unless the spec's canary sets it: the arms are meant to differ.
     */
    String rolloutSpec() {
        Config rollout = ConfigFactory.empty()
                .withValue("model", ConfigValueFactory.fromAnyRef(model))
                .withValue("version", ConfigValueFactory.fromAnyRef(treatmentVersion))
                .withValue("strategy", ConfigValueFactory.fromAnyRef("canary"))
                .withValue("canary", canary.withValue("steps", ConfigValueFactory.fromIterable(List.of(treatmentShare)))
                        .withValue("auto-promote", ConfigValueFactory.fromAnyRef(false)).root());
        rollout = treatmentModelFile.isBlank()
                ? rollout.withValue("endpoints", ConfigValueFactory.fromIterable(treatmentEndpoints))
                : rollout.withValue("model-file", ConfigValueFactory.fromAnyRef(treatmentModelFile));
        return rollout.root().render(ConfigRenderOptions.concise());
    }

    /** The spec text as the user gave it, re-rendered as JSON (what is stored and parsed again on restart). */
    static String render(String text) {
        return ConfigFactory.parseString(text).root().render(ConfigRenderOptions.concise());
    }
}
