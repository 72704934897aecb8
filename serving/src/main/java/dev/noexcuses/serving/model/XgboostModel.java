package dev.noexcuses.serving.model;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * One XGBoost model file, loaded: the file the batch pipeline writes and scores with. Features are
 * given by name; the names and their order are the model's own ({@code learner.feature_names} of a
 * JSON model), so a request cannot silently put a value in the wrong column.
 */
public final class XgboostModel implements AutoCloseable {
    private final Booster booster;
    private final List<String> featureNames;
    private final Map<String, Integer> columns;

    private XgboostModel(Booster booster, List<String> featureNames) {
        this.booster = booster;
        this.featureNames = List.copyOf(featureNames);
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < featureNames.size(); i++) {
            index.put(featureNames.get(i), i);
        }
        this.columns = Map.copyOf(index);
    }

    /** Loads a model file; a JSON model ({@code .json}) carries its feature names, others get f0, f1, ... */
    public static XgboostModel load(Path file) {
        requireNonNull(file, "file is null");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Model file not found: " + file.toAbsolutePath());
        }
        try {
            Booster booster = XGBoost.loadModel(file.toString());
            // One thread per prediction: requests are parallel already, OpenMP threads would only contend.
            booster.setParam("nthread", "1");
            List<String> names = featureNamesOf(file);
            if (names.isEmpty()) {
                long n = booster.getNumFeature();
                names = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    names.add("f" + i);
                }
            }
            return new XgboostModel(booster, names);
        } catch (XGBoostError e) {
            throw new IllegalArgumentException("Cannot load XGBoost model " + file.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    private static List<String> featureNamesOf(Path file) {
        if (!file.getFileName().toString().endsWith(".json")) {
            return List.of();
        }
        try {
            JsonNode names = Json.mapper().readTree(file.toFile()).path("learner").path("feature_names");
            List<String> result = new ArrayList<>();
            names.forEach(n -> result.add(n.asText()));
            return result;
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read the feature names of " + file.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
    }

    public List<String> featureNames() {
        return featureNames;
    }

    /**
     * The model's score for one row. Every feature of the model must be given; a null value is a
     * missing value (XGBoost's own handling of missing values applies).
     *
     * @throws MissingFeaturesException naming the features the row lacks
     */
    public float predict(Map<String, Double> features) {
        float[] row = new float[featureNames.size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < row.length; i++) {
            String name = featureNames.get(i);
            if (!features.containsKey(name)) {
                missing.add(name);
                continue;
            }
            Double value = features.get(name);
            row[i] = value == null ? Float.NaN : value.floatValue();
        }
        if (!missing.isEmpty()) {
            throw new MissingFeaturesException(missing);
        }
        try {
            // In place: no DMatrix to build and free per request (the batch scorer predicts the same way).
            return booster.inplace_predict(row, 1, row.length, Float.NaN)[0][0];
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost prediction failed: " + e.getMessage(), e);
        }
    }

    /** Whether {@code name} is one of the model's features. */
    public boolean hasFeature(String name) {
        return columns.containsKey(name);
    }

    @Override
    public void close() {
        booster.dispose();
    }

    /** A request without some of the model's features. */
    public static final class MissingFeaturesException extends RuntimeException {
        private final List<String> missing;

        MissingFeaturesException(List<String> missing) {
            super("Missing features " + missing + ": the model needs every one of its features (null for a missing value)");
            this.missing = List.copyOf(missing);
        }

        public List<String> missing() {
            return missing;
        }
    }
}
