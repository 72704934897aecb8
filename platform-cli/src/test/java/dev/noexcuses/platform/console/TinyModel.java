package dev.noexcuses.platform.console;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/** A small real XGBoost model (two features), trained here and saved as a JSON model file. */
final class TinyModel {
    private TinyModel() {}

    static Path train(Path file, int rounds) throws Exception {
        Random random = new Random(rounds);
        int n = 500;
        float[] data = new float[n * 2];
        float[] labels = new float[n];
        for (int r = 0; r < n; r++) {
            data[2 * r] = random.nextInt(10);
            data[2 * r + 1] = random.nextInt(10);
            labels[r] = data[2 * r] > data[2 * r + 1] ? 1f : 0f;
        }
        DMatrix train = new DMatrix(data, n, 2, Float.NaN);
        train.setLabel(labels);
        train.setFeatureNames(new String[] {"a", "b"});
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("nthread", 1);
        Booster booster = XGBoost.train(train, params, rounds, new HashMap<>(), null, null);
        booster.saveModel(file.toString());
        booster.dispose();
        train.dispose();
        return file;
    }
}
