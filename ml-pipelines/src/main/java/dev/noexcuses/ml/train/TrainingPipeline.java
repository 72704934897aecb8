package dev.noexcuses.ml.train;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noexcuses.features.offline.FeatureTables;
import dev.noexcuses.features.offline.TrainingSets;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.ml.ModelFeatures;
import dev.noexcuses.ml.evaluate.ClassifierMetrics;
import dev.noexcuses.ml.labels.ChurnLabels;
import dev.noexcuses.registry.client.RegistryClient;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The training pipeline: churn labels over several cut-offs of the lake's history, a point-in-time training set from
 * the feature store, feature validation, XGBoost on the earlier cut-offs, evaluation on the latest (the time-based
 * holdout), the champion scored on the same holdout, the gates, and everything logged to a tracked run (parameters,
 * git commit, datasets at their snapshots, metrics, the model file and the evaluation as artifacts). A model that
 * passes every gate is registered with its signature and lineage and becomes the {@code challenger}; a person then
 * promotes it to {@code champion} through the registry's guarded promotion.
 */
public final class TrainingPipeline {
    public static final String LABELS_TABLE = "ml.churn_labels";
    /**
     * Table properties saying what the labels and the training set were built from (input tables at their snapshots,
     * cut-offs, definitions): a run on the same inputs (a retraining with other parameters, a re-run) reads them
     * instead of building them again.
     */
    static final String LABELS_INPUTS = "noexcuses.ml.labels-inputs";
    static final String TRAINING_SET_INPUTS = "noexcuses.ml.training-set-inputs";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to train. {@code lastDay} null: the lake's last complete day. */
    public record Settings(String model, LocalDate lastDay, int cutOffs, int cutOffEveryDays, Map<String, String> params,
                           int rounds, double minAuc, double championTolerance, String gitCommit) {
        public Settings {
            requireNonNull(model, "model is null");
            params = Map.copyOf(params);
            gitCommit = gitCommit == null || gitCommit.isBlank() ? "unknown" : gitCommit;
        }
    }

    /** What the run did: its id, the holdout evaluation, the champion's AUC, the gates, and the version registered. */
    public record Outcome(String runId, ClassifierMetrics.Evaluation holdout, OptionalDouble championAuc,
                          List<ValidationGates.Gate> gates, OptionalInt version, long trainRows, List<LocalDate> cutOffs) {
        public boolean passed() {
            return ValidationGates.allPassed(gates);
        }
    }

    private final SparkSession spark;
    private final RegistryClient registry;
    private final ModelFeatures features;
    private final Progress progress;

    public TrainingPipeline(SparkSession spark, RegistryClient registry, ModelFeatures features, Progress progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.features = requireNonNull(features, "features is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public Outcome run(Settings s) {
        Instant started = Instant.now();
        List<LocalDate> cuts = cutOffs(spark, s);
        LocalDate holdoutCut = cuts.get(cuts.size() - 1);
        progress.line("  [train] cut-offs %s (holdout %s): active in the %d days up to a cut-off, churned when absent the %d after",
                cuts, holdoutCut, ChurnLabels.ACTIVE_DAYS, ChurnLabels.HORIZON_DAYS);
        spark.sql("CREATE NAMESPACE IF NOT EXISTS ml");
        // The query itself is among the inputs (as a digest): labels of an older definition are not reused.
        String labelSql = ChurnLabels.sql("curated.sessions", cuts);
        String labelInputs = "curated.sessions@" + snapshot("curated.sessions") + " cut-offs " + cuts + " active "
                + ChurnLabels.ACTIVE_DAYS + " horizon " + ChurnLabels.HORIZON_DAYS + " query " + digest(labelSql);
        boolean labelsReused = labelInputs.equals(property(LABELS_TABLE, LABELS_INPUTS));
        if (!labelsReused) {
            try {
                spark.sql(labelSql).writeTo(LABELS_TABLE).using("iceberg")
                        .tableProperty("format-version", "2").tableProperty(LABELS_INPUTS, labelInputs).createOrReplace();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot write " + LABELS_TABLE + ": " + e.getMessage(), e);
            }
        }
        progress.stage("train", "labels " + LABELS_TABLE + (labelsReused ? " (unchanged inputs: reused)" : ""),
                spark.table(LABELS_TABLE).count(), started);
        Instant t = Instant.now();
        TrainingSet set = trainingSet(s.model());
        progress.stage("train", "training set " + set.table() + (set.reused() ? " (unchanged inputs: reused)" : ""),
                set.rows(), t);

        List<String> names = features.names();
        Split train = new Split(names.size());
        Split holdout = new Split(names.size());
        List<String> select = new ArrayList<>(List.of("cut_off", "label"));
        select.addAll(names);
        for (Row r : spark.table(set.table()).selectExpr(select.toArray(new String[0])).collectAsList()) {
            (r.getDate(0).toLocalDate().equals(holdoutCut) ? holdout : train).add(r);
        }
        if (train.rows() == 0 || holdout.rows() == 0) {
            throw new IllegalStateException("No " + (train.rows() == 0 ? "training" : "holdout") + " rows: the cut-offs "
                    + cuts + " found no active users in curated.sessions");
        }
        List<FeatureValidation.Check> checks = FeatureValidation.check(features.specs(), train.columns(), holdout.columns());
        checks.stream().filter(c -> !c.status().equals("pass")).forEach(c -> progress.line("    %-4s %s.%s: %s",
                c.status().toUpperCase(Locale.ROOT), c.feature(), c.check(), c.detail()));

        Map<String, Object> params = xgboostParams(s.params());
        t = Instant.now();
        try (ChurnModel model = ChurnModel.train(train.values(), train.labels(), names, params, s.rounds())) {
            double[] scores = toDouble(model.predict(holdout.values(), holdout.rows()));
            ClassifierMetrics.Evaluation eval = ClassifierMetrics.evaluate(scores, toDouble(holdout.labels()));
            double trainAuc = ClassifierMetrics.auc(toDouble(model.predict(train.values(), train.rows())),
                    toDouble(train.labels()));
            progress.line("  [train] XGBoost on %,d rows (%d features, %d rounds) in %.1f s: holdout of %,d rows (%d churned)"
                            + " AUC %.4f, PR-AUC %.4f, lift@10%% %.2f, calibration error %.4f; training AUC %.4f",
                    train.rows(), names.size(), s.rounds(), secondsSince(t), eval.rows(), eval.positives(), eval.auc(),
                    eval.prAuc(), eval.liftAt10(), eval.calibrationError(), trainAuc);
            OptionalDouble championAuc = championAuc(s.model(), names, holdout);
            List<ValidationGates.Gate> gates = ValidationGates.decide(eval.auc(), championAuc, s.minAuc(),
                    s.championTolerance(), checks);
            return record(s, cuts, set, model, eval, trainAuc, championAuc, gates, checks, params, train.rows());
        }
    }

    /** The point-in-time training set of the current labels and feature tables: the existing one when built from them. */
    private TrainingSet trainingSet(String model) {
        String table = FeatureTables.TRAINING_NAMESPACE + "." + model;
        Map<String, Long> current = new LinkedHashMap<>();
        features.views().forEach(v -> current.put(v.name(), snapshot(v.table())));
        String labels = LABELS_TABLE + "@" + snapshot(LABELS_TABLE);
        if (inputs(labels, current).equals(property(table, TRAINING_SET_INPUTS))) {
            return new TrainingSet(table, spark.table(table).count(), current, true);
        }
        TrainingSets.Result built = new TrainingSets(spark).build(model, spark.table(LABELS_TABLE), features.views(), Map.of());
        spark.sql("ALTER TABLE " + built.table() + " SET TBLPROPERTIES ('" + TRAINING_SET_INPUTS + "' = '"
                + inputs(labels, built.snapshots()) + "')");
        return new TrainingSet(built.table(), built.rows(), built.snapshots(), false);
    }

    /** What a training set is built from: the labels at their snapshot, each view's table at its snapshot, the features. */
    private String inputs(String labels, Map<String, Long> viewSnapshots) {
        return labels + " views " + viewSnapshots + " features " + features.names();
    }

    /** The first 8 bytes of the SHA-256 of {@code text}, in hex. */
    private static String digest(String text) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A table property, or null when the table or the property does not exist. */
    private String property(String table, String key) {
        if (!spark.catalog().tableExists(table)) {
            return null;
        }
        try {
            return Spark3Util.loadIcebergTable(spark, table).properties().get(key);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load " + table + ": " + e.getMessage(), e);
        }
    }

    /** The training set a run reads: its table, rows, the feature tables' snapshots, and whether an earlier run built it. */
    private record TrainingSet(String table, long rows, Map<String, Long> snapshots, boolean reused) {}

    /** The cut-offs a run with these settings uses on the lake's current {@code curated.sessions}; the last is the holdout. */
    public static List<LocalDate> cutOffs(SparkSession spark, Settings s) {
        if (!spark.catalog().tableExists("curated.sessions")) {
            throw new IllegalStateException("curated.sessions does not exist: run the lakehouse jobs first");
        }
        Row range = spark.sql("SELECT min(event_date), max(event_date) FROM curated.sessions").first();
        if (range.isNullAt(0)) {
            throw new IllegalStateException("curated.sessions is empty: produce history and run the lakehouse jobs first");
        }
        LocalDate first = range.getDate(0).toLocalDate();
        LocalDate last = range.getDate(1).toLocalDate();
        LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        if (last.isAfter(yesterday)) {
            last = yesterday; // today is not over: its absences are not known yet
        }
        if (s.lastDay() != null && s.lastDay().isBefore(last)) {
            last = s.lastDay();
        }
        return ChurnLabels.cutOffs(first, last, s.cutOffs(), s.cutOffEveryDays());
    }

    /** The champion's AUC on this holdout, by its own feature names (a feature it has and we lack is missing). */
    private OptionalDouble championAuc(String model, List<String> names, Split holdout) {
        var champion = registry.tryResolve(model, "champion");
        if (champion.isEmpty()) {
            progress.line("  [train] no champion of %s yet: the comparison gate passes", model);
            return OptionalDouble.empty();
        }
        try (ChurnModel current = ChurnModel.load(registry.downloadModel(champion.get()))) {
            List<String> theirs = current.featureNames();
            float[] rows = new float[holdout.rows() * theirs.size()];
            float[] ours = holdout.values();
            for (int c = 0; c < theirs.size(); c++) {
                int at = names.indexOf(theirs.get(c));
                for (int r = 0; r < holdout.rows(); r++) {
                    rows[r * theirs.size() + c] = at < 0 ? Float.NaN : ours[r * names.size() + at];
                }
            }
            double auc = ClassifierMetrics.auc(toDouble(current.predict(rows, holdout.rows())), toDouble(holdout.labels()));
            progress.line("  [train] champion %s v%d on the same holdout: AUC %.4f", model, champion.get().version(), auc);
            return OptionalDouble.of(auc);
        }
    }

    private Outcome record(Settings s, List<LocalDate> cuts, TrainingSet set, ChurnModel model,
                           ClassifierMetrics.Evaluation eval, double trainAuc, OptionalDouble championAuc,
                           List<ValidationGates.Gate> gates, List<FeatureValidation.Check> checks,
                           Map<String, Object> params, long trainRows) {
        Map<String, String> logged = new LinkedHashMap<>();
        params.forEach((k, v) -> logged.put(k, String.valueOf(v)));
        logged.put("rounds", String.valueOf(s.rounds()));
        logged.put("cut_offs", cuts.toString());
        logged.put("holdout_cut_off", cuts.get(cuts.size() - 1).toString());
        logged.put("active_days", String.valueOf(ChurnLabels.ACTIVE_DAYS));
        logged.put("horizon_days", String.valueOf(ChurnLabels.HORIZON_DAYS));
        logged.put("min_auc", String.valueOf(s.minAuc()));
        logged.put("champion_tolerance", String.valueOf(s.championTolerance()));
        List<RegistryClient.DatasetRef> datasets = new ArrayList<>();
        datasets.add(new RegistryClient.DatasetRef(LABELS_TABLE, snapshot(LABELS_TABLE), "labels"));
        datasets.add(new RegistryClient.DatasetRef(set.table(), snapshot(set.table()), "training"));
        set.snapshots().forEach((view, id) -> datasets.add(new RegistryClient.DatasetRef("features." + view, id, "features")));
        String runName = s.model() + "-" + Instant.now().toString().replaceAll("[:.]", "").toLowerCase(Locale.ROOT);
        RegistryClient.RunHandle run = registry.startRun(s.model(), runName, s.gitCommit(), logged, datasets);
        try {
            long now = System.currentTimeMillis();
            List<RegistryClient.MetricPoint> metrics = new ArrayList<>(List.of(
                    point("auc", eval.auc(), now), point("pr_auc", eval.prAuc(), now),
                    point("calibration_error", eval.calibrationError(), now), point("lift_at_10", eval.liftAt10(), now),
                    point("base_rate", eval.baseRate(), now), point("train_auc", trainAuc, now),
                    point("rows_train", trainRows, now), point("rows_holdout", eval.rows(), now)));
            championAuc.ifPresent(c -> metrics.add(point("champion_auc", c, now)));
            for (FeatureValidation.Check c : checks) {
                if (!c.check().equals("range")) {
                    metrics.add(point("validation." + c.feature() + "." + (c.check().equals("nulls") ? "null_share" : "psi"),
                            c.value(), now));
                }
            }
            run.logMetrics(metrics.stream().filter(m -> Double.isFinite(m.value())).toList());
            run.uploadArtifact("model/model.json", model.toJson());
            run.uploadArtifact("evaluation/holdout.json", json(Map.of("evaluation", eval, "champion_auc",
                    championAuc.isPresent() ? championAuc.getAsDouble() : "none", "importance", model.importance())));
            run.uploadArtifact("validation/features.json", json(checks));
            List<String> failed = gates.stream().filter(g -> !g.passed()).map(g -> g.name() + ": " + g.detail()).toList();
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("validation", failed.isEmpty() ? "passed" : "failed");
            tags.put("failed_gates", String.join("; ", failed));
            tags.put("feature_warnings", String.join("; ", checks.stream().filter(c -> !c.status().equals("pass"))
                    .map(c -> c.feature() + "." + c.check() + " " + c.detail()).toList()));
            run.setTags(tags);
            gates.forEach(g -> progress.line("  [gate] %-24s %s  %s", g.name(), g.passed() ? "PASS" : "FAIL", g.detail()));
            OptionalInt version = OptionalInt.empty();
            if (failed.isEmpty()) {
                List<RegistryClient.Feature> signature = features.names().stream()
                        .map(n -> new RegistryClient.Feature(n, "double")).toList();
                RegistryClient.ModelVersion v = registry.registerVersion(s.model(), run.runId(), "model/model.json",
                        signature, gates.stream().map(g -> new RegistryClient.Gate(g.name(), g.passed(), g.detail())).toList());
                registry.setAlias(s.model(), "challenger", v.version(), "trained by run " + run.runId() + " (holdout AUC "
                        + String.format(Locale.ROOT, "%.4f", eval.auc()) + ")");
                version = OptionalInt.of(v.version());
                progress.line("  [train] registered %s v%d as challenger: promote it with ./platform models "
                        + "request-promotion %s %d --reason \"...\" (another user approves)", s.model(), v.version(),
                        s.model(), v.version());
            } else {
                progress.line("  [train] not registered: %s", String.join("; ", failed));
            }
            run.finish("FINISHED");
            return new Outcome(run.runId(), eval, championAuc, gates, version, trainRows, cuts);
        } catch (RuntimeException e) {
            run.finish("FAILED");
            throw e;
        }
    }

    private long snapshot(String table) {
        try {
            var current = Spark3Util.loadIcebergTable(spark, table).currentSnapshot();
            return current == null ? -1 : current.snapshotId();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load " + table + ": " + e.getMessage(), e);
        }
    }

    /** The configured parameters as XGBoost takes them: numbers as numbers. */
    static Map<String, Object> xgboostParams(Map<String, String> given) {
        Map<String, Object> out = new LinkedHashMap<>();
        given.forEach((k, v) -> {
            try {
                out.put(k, v.matches("-?\\d+") ? (Object) Integer.parseInt(v) : (Object) Double.parseDouble(v));
            } catch (NumberFormatException e) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static RegistryClient.MetricPoint point(String key, double value, long time) {
        return new RegistryClient.MetricPoint(key, value, 0, time);
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double secondsSince(Instant t) {
        return java.time.Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** Rows of one side of the split, row-major, missing values as NaN. */
    private static final class Split {
        private final int width;
        private final List<float[]> rows = new ArrayList<>();
        private final List<Float> labels = new ArrayList<>();

        Split(int width) {
            this.width = width;
        }

        void add(Row r) {
            float[] values = new float[width];
            for (int c = 0; c < width; c++) {
                values[c] = r.isNullAt(c + 2) ? Float.NaN : ((Number) r.get(c + 2)).floatValue();
            }
            rows.add(values);
            labels.add(((Number) r.get(1)).floatValue());
        }

        int rows() {
            return rows.size();
        }

        float[] values() {
            float[] out = new float[rows.size() * width];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(rows.get(i), 0, out, i * width, width);
            }
            return out;
        }

        float[] labels() {
            float[] out = new float[labels.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = labels.get(i);
            }
            return out;
        }

        /** Column-major copies, for the feature checks. */
        float[][] columns() {
            float[][] out = new float[width][rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                for (int c = 0; c < width; c++) {
                    out[c][i] = rows.get(i)[c];
                }
            }
            return out;
        }
    }
}
