package dev.noexcuses.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.serving.model.XgboostModel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The served model's score of a row is XGBoost's own prediction of that row through a DMatrix. */
class XgboostModelTest {
    @TempDir
    Path dir;

    @Test
    void predictsWhatXgboostPredictsForTheSameRowMissingValuesIncluded() throws Exception {
        Path file = TrainedModels.train(dir.resolve("model.json"), 1, false, null);
        Booster reference = XGBoost.loadModel(file.toString());
        Random random = new Random(7);
        try (XgboostModel model = XgboostModel.load(file)) {
            for (int i = 0; i < 200; i++) {
                Map<String, Double> row = new HashMap<>(TrainedModels.row(random));
                if (i % 10 == 0) {
                    row.put("cart_value", null);
                }
                float[] values = new float[TrainedModels.FEATURES.size()];
                for (int c = 0; c < values.length; c++) {
                    Double v = row.get(TrainedModels.FEATURES.get(c));
                    values[c] = v == null ? Float.NaN : v.floatValue();
                }
                DMatrix matrix = new DMatrix(values, 1, values.length, Float.NaN);
                float expected = reference.predict(matrix)[0][0];
                matrix.dispose();
                assertThat(model.predict(row)).as("row %d: %s", i, row).isCloseTo(expected,
                        org.assertj.core.data.Offset.offset(1e-6f));
            }
        } finally {
            reference.dispose();
        }
    }
}
