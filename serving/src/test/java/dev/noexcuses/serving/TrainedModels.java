package dev.noexcuses.serving;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * Real XGBoost models, trained here with XGBoost4J on a synthetic churn-like data set and saved as
 * JSON model files: what the batch pipeline would register.
 */
final class TrainedModels {
    static final List<String> FEATURES = List.of("recency_days", "sessions_7d", "orders_30d", "cart_value");

    private TrainedModels() {}

    /** A row of features as a client sends them. */
    static Map<String, Double> row(Random random) {
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("recency_days", (double) random.nextInt(60));
        row.put("sessions_7d", (double) random.nextInt(20));
        row.put("orders_30d", (double) random.nextInt(5));
        row.put("cart_value", Math.round(random.nextDouble() * 30000) / 100.0);
        return row;
    }

    /** The label the data follows: recent, active buyers stay. */
    private static float label(Map<String, Double> row, Random random) {
        double z = -0.05 * row.get("recency_days") + 0.2 * row.get("sessions_7d") + 0.5 * row.get("orders_30d")
                + 0.005 * row.get("cart_value") - 1.0;
        return random.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1f : 0f;
    }

    /**
     * Trains and saves a model.
     *
     * @param seed the training seed (a different seed, with subsampling, gives a similar but not identical model)
     * @param flipLabels learns the opposite: its scores shift far from the others'
     * @param extraFeature a feature clients do not send (so every request to it fails), or null
     */
    static Path train(Path file, int seed, boolean flipLabels, String extraFeature) throws Exception {
        Random random = new Random(42);
        int n = 2000;
        List<String> names = new java.util.ArrayList<>(FEATURES);
        if (extraFeature != null) {
            names.add(extraFeature);
        }
        float[] data = new float[n * names.size()];
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            Map<String, Double> row = row(random);
            for (int c = 0; c < FEATURES.size(); c++) {
                data[r * names.size() + c] = row.get(FEATURES.get(c)).floatValue();
            }
            if (extraFeature != null) {
                data[r * names.size() + FEATURES.size()] = random.nextInt(1000);
            }
            float y = label(row, random);
            labels[r] = flipLabels ? 1 - y : y;
        }
        DMatrix train = new DMatrix(data, n, names.size(), Float.NaN);
        train.setLabel(labels);
        train.setFeatureNames(names.toArray(new String[0]));
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("max_depth", 3);
        params.put("eta", 0.3);
        params.put("nthread", 1);
        params.put("seed", seed);
        params.put("subsample", seed == 1 ? 1.0 : 0.8);
        Booster booster = XGBoost.train(train, params, 20, new HashMap<>(), null, null);
        booster.saveModel(file.toString());
        booster.dispose();
        train.dispose();
        return file;
    }

    /** A model over {@code names}, trained on random rows with a label that follows the first two features. */
    static Path trainOnRandomRows(Path file, List<String> names, int seed) throws Exception {
        Random random = new Random(seed);
        int n = 1000;
        float[] data = new float[n * names.size()];
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < names.size(); c++) {
                data[r * names.size() + c] = random.nextInt(24);
            }
            labels[r] = data[r * names.size()] + data[r * names.size() + 1] > 23 ? 1f : 0f;
        }
        DMatrix train = new DMatrix(data, n, names.size(), Float.NaN);
        train.setLabel(labels);
        train.setFeatureNames(names.toArray(new String[0]));
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("max_depth", 3);
        params.put("nthread", 1);
        params.put("seed", seed);
        Booster booster = XGBoost.train(train, params, 10 + seed, new HashMap<>(), null, null);
        booster.saveModel(file.toString());
        booster.dispose();
        train.dispose();
        return file;
    }
}
