package dev.noexcuses.ml.score;

import dev.noexcuses.ml.train.ChurnModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Scores one Spark partition with the model file (broadcast once per executor): rows are read in batches into one
 * matrix each, scored by XGBoost on the task's thread, and emitted with their keys. Input columns: the
 * {@value #KEY_COLUMNS} pass-through columns, then the model's features in its order; output: the pass-through
 * columns, then {@code score}.
 */
public final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    public static final int KEY_COLUMNS = 5;

    private final Broadcast<byte[]> model;
    private final int features;
    private final int batch;

    public PartitionScorer(Broadcast<byte[]> model, int features, int batch) {
        this.model = model;
        this.features = features;
        this.batch = batch;
    }

    /** {@code in}'s first KEY_COLUMNS fields, then score. */
    public static StructType output(StructType in) {
        StructType out = new StructType();
        for (int i = 0; i < KEY_COLUMNS; i++) {
            out = out.add(in.fields()[i]);
        }
        return out.add("score", DataTypes.DoubleType, false);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return java.util.Collections.emptyIterator();
        }
        ChurnModel scorer = ChurnModel.load(model.value()).threads(1);
        return new Iterator<>() {
            private List<Row> pending = List.of();
            private float[] scores;
            private int next;
            private boolean closed;

            @Override
            public boolean hasNext() {
                if (next < pending.size()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    if (!closed) {
                        closed = true;
                        scorer.close();
                    }
                    return false;
                }
                List<Row> read = new ArrayList<>(batch);
                while (rows.hasNext() && read.size() < batch) {
                    read.add(rows.next());
                }
                float[] values = new float[read.size() * features];
                for (int r = 0; r < read.size(); r++) {
                    Row row = read.get(r);
                    for (int c = 0; c < features; c++) {
                        int at = KEY_COLUMNS + c;
                        values[r * features + c] = row.isNullAt(at) ? Float.NaN : ((Number) row.get(at)).floatValue();
                    }
                }
                scores = scorer.predict(values, read.size());
                pending = read;
                next = 0;
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Row in = pending.get(next);
                Object[] out = new Object[KEY_COLUMNS + 1];
                for (int i = 0; i < KEY_COLUMNS; i++) {
                    out[i] = in.get(i);
                }
                out[KEY_COLUMNS] = (double) scores[next++];
                return RowFactory.create(out);
            }
        };
    }
}
