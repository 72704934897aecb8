package dev.noexcuses.ml.train;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One XGBoost model as the pipelines use it: trained on rows of named features, saved as a JSON model file (which
 * carries the feature names, so the model server and the batch scorer put each value in its column), loaded from
 * those bytes, and scoring rows given in its feature order. Missing values are NaN.
 */
public final class ChurnModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Booster booster;
    private final List<String> featureNames;

    private ChurnModel(Booster booster, List<String> featureNames) {
        this.booster = booster;
        this.featureNames = List.copyOf(featureNames);
    }

    /**
     * @param rows row-major values, {@code features.size()} per row
     * @param params XGBoost parameters (objective binary:logistic is set)
     */
    public static ChurnModel train(float[] rows, float[] labels, List<String> features, Map<String, Object> params,
                                   int rounds) {
        requireNonNull(features, "features is null");
        if (features.isEmpty() || rows.length != labels.length * features.size()) {
            throw new IllegalArgumentException(rows.length + " values for " + labels.length + " labels and "
                    + features.size() + " features: expected one value per feature and row");
        }
        try {
            DMatrix train = new DMatrix(rows, labels.length, features.size(), Float.NaN);
            try {
                train.setLabel(labels);
                train.setFeatureNames(features.toArray(new String[0]));
                Map<String, Object> p = new HashMap<>(params);
                p.put("objective", "binary:logistic");
                p.putIfAbsent("eval_metric", "auc");
                Booster booster = XGBoost.train(train, p, rounds, new HashMap<>(), null, null);
                return new ChurnModel(booster, features);
            } finally {
                train.dispose();
            }
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost training failed: " + e.getMessage(), e);
        }
    }

    /** A JSON model file's bytes, as {@link #toJson()} wrote them (or any XGBoost JSON model with feature names). */
    public static ChurnModel load(byte[] json) {
        List<String> names = new ArrayList<>();
        try {
            JSON.readTree(json).path("learner").path("feature_names").forEach(n -> names.add(n.asText()));
        } catch (IOException e) {
            throw new IllegalArgumentException("Not an XGBoost JSON model: " + e.getMessage(), e);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("The model file has no feature names (learner.feature_names): the "
                    + "pipelines score by name, save it as JSON with its feature names");
        }
        try {
            Booster booster = XGBoost.loadModel(json);
            return new ChurnModel(booster, names);
        } catch (Exception e) {
            throw new IllegalArgumentException("Cannot load the XGBoost model: " + e.getMessage(), e);
        }
    }

    public List<String> featureNames() {
        return featureNames;
    }

    /** Threads XGBoost may use per prediction (1 where Spark runs partitions in parallel already). */
    public ChurnModel threads(int threads) {
        try {
            booster.setParam("nthread", String.valueOf(threads));
            return this;
        } catch (XGBoostError e) {
            throw new IllegalStateException(e);
        }
    }

    /** Scores of {@code rowCount} rows given row-major in {@link #featureNames()} order. */
    public float[] predict(float[] rows, int rowCount) {
        if (rows.length != rowCount * featureNames.size()) {
            throw new IllegalArgumentException(rows.length + " values for " + rowCount + " rows of " + featureNames.size()
                    + " features");
        }
        if (rowCount == 0) {
            return new float[0];
        }
        try {
            // Straight from the dense array: a DMatrix would first copy the rows into XGBoost's sparse pages.
            float[][] out = booster.inplace_predict(rows, rowCount, featureNames.size(), Float.NaN);
            float[] scores = new float[rowCount];
            for (int i = 0; i < rowCount; i++) {
                scores[i] = out[i][0];
            }
            return scores;
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
        }
    }

    /** Feature importance by total gain, highest first. */
    public Map<String, Double> importance() {
        try {
            Map<String, Double> gain = booster.getScore(featureNames.toArray(new String[0]), "total_gain");
            Map<String, Double> ordered = new java.util.LinkedHashMap<>();
            gain.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .forEach(e -> ordered.put(e.getKey(), e.getValue()));
            return ordered;
        } catch (XGBoostError e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON model file. */
    public byte[] toJson() {
        try {
            Path file = Files.createTempFile("churn-model-", ".json");
            try {
                booster.saveModel(file.toString());
                byte[] bytes = Files.readAllBytes(file);
                JsonNode check = JSON.readTree(bytes).path("learner").path("feature_names");
                if (check.size() != featureNames.size()) {
                    throw new IllegalStateException("The saved model lost its feature names");
                }
                return bytes;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (XGBoostError | IOException e) {
            throw new IllegalStateException("Cannot save the model: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        booster.dispose();
    }
}
