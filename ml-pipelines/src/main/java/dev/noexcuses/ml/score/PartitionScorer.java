package dev.noexcuses.ml.score;

import static java.util.Objects.requireNonNull;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Scores a DataFrame with the model file on Spark: each partition's rows are read in batches straight from Spark's
 * own row format into one float matrix each (no {@code Row} objects, no boxed values), scored by a model loaded once
 * per executor JVM and task slot ({@link LoadedModels}), and emitted with their pass-through columns. XGBoost gets one
 * thread per task when the tasks fill the executors' cores, more when there are fewer partitions than cores (a
 * small run whose rows sit in one partition). Input columns: the {@value #KEY_COLUMNS} pass-through columns, then
 * the model's features in its order (doubles, null for missing); output: the pass-through columns, then
 * {@code score}.
 */
public final class PartitionScorer implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    public static final int KEY_COLUMNS = 5;

    private final Broadcast<byte[]> model;
    private final DataType[] keyTypes;
    private final int features;
    private final int batch;
    private final int threads;

    private PartitionScorer(Broadcast<byte[]> model, DataType[] keyTypes, int features, int batch, int threads) {
        this.model = model;
        this.keyTypes = keyTypes;
        this.features = features;
        this.batch = batch;
        this.threads = threads;
    }

    /** {@code input} scored: its first KEY_COLUMNS columns, then {@code score}. */
    public static Dataset<Row> score(SparkSession spark, Dataset<Row> input, Broadcast<byte[]> model, int batch) {
        requireNonNull(model, "model is null");
        StructType in = input.schema();
        int features = in.fields().length - KEY_COLUMNS;
        if (features <= 0) {
            throw new IllegalArgumentException("Expected " + KEY_COLUMNS + " pass-through columns, then the features: " + in);
        }
        for (int i = KEY_COLUMNS; i < in.fields().length; i++) {
            if (in.fields()[i].dataType() != DataTypes.DoubleType) {
                throw new IllegalArgumentException("Feature column " + in.fields()[i].name() + " is "
                        + in.fields()[i].dataType().simpleString() + ": expected double");
            }
        }
        DataType[] keyTypes = new DataType[KEY_COLUMNS];
        for (int i = 0; i < KEY_COLUMNS; i++) {
            keyTypes[i] = in.fields()[i].dataType();
        }
        // Spark's internal rows in and out: the public Row path (a SafeProjection to 30 boxed fields per row, and an
        // encoder back) cost more than XGBoost itself (docs/benchmarks.md, ML pipelines).
        RDD<InternalRow> rows = ((org.apache.spark.sql.classic.Dataset<Row>) input).queryExecution().toRdd();
        int threads = xgboostThreads(spark, rows.getNumPartitions());
        RDD<InternalRow> scored = rows.toJavaRDD().mapPartitions(new PartitionScorer(model, keyTypes, features, batch,
                threads)).rdd();
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(scored, output(in), false);
    }

    /**
     * XGBoost threads per task: the cores a task has to itself when the partitions are fewer than the task slots
     * (Spark runs them all at once), at most an executor's cores; one when the tasks fill the slots already.
     */
    static int xgboostThreads(SparkSession spark, int partitions) {
        int slots = spark.sparkContext().defaultParallelism();
        var conf = spark.sparkContext().getConf();
        int executorCores = conf.contains("spark.executor.cores") ? conf.getInt("spark.executor.cores", 1)
                : spark.sparkContext().isLocal() ? Runtime.getRuntime().availableProcessors() : 1;
        return Math.max(1, Math.min(executorCores, slots / Math.max(1, partitions)));
    }

    /** {@code in}'s first KEY_COLUMNS fields, then score. */
    static StructType output(StructType in) {
        StructType out = new StructType();
        for (int i = 0; i < KEY_COLUMNS; i++) {
            out = out.add(in.fields()[i]);
        }
        return out.add("score", DataTypes.DoubleType, false);
    }

    /** Typed readers of the pass-through columns, chosen once (a row's generic get looks its type up each time). */
    @SuppressWarnings("unchecked")
    private static scala.Function2<SpecializedGetters, Object, Object>[] readers(DataType[] types) {
        scala.Function2<SpecializedGetters, Object, Object>[] readers = new scala.Function2[types.length];
        for (int i = 0; i < types.length; i++) {
            readers[i] = InternalRow.getAccessor(types[i], true);
        }
        return readers;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        if (!rows.hasNext()) {
            return java.util.Collections.emptyIterator();
        }
        LoadedModels.Lease lease = LoadedModels.borrow(model.id(), model::value, threads);
        // Back to the pool when the task ends, also when it fails or stops reading early.
        org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) context -> lease.close());
        }
        return new Iterator<>() {
            private final scala.Function2<SpecializedGetters, Object, Object>[] keyReaders = readers(keyTypes);
            private final InternalRow[] kept = new InternalRow[batch];
            private final float[] values = new float[batch * features];
            private float[] scores = new float[0];
            private int pending;
            private int next;
            private boolean returned;

            @Override
            public boolean hasNext() {
                if (next < pending) {
                    return true;
                }
                if (!rows.hasNext()) {
                    if (!returned) {
                        returned = true;
                        lease.close();
                    }
                    return false;
                }
                int n = 0;
                while (n < batch && rows.hasNext()) {
                    // The input's rows are reused buffers: keep a copy of each until its score is known (one copy
                    // of the row is cheaper than one of each pass-through string; the features are read below).
                    InternalRow row = rows.next().copy();
                    kept[n] = row;
                    int at = n * features;
                    for (int c = 0; c < features; c++) {
                        int column = KEY_COLUMNS + c;
                        values[at + c] = row.isNullAt(column) ? Float.NaN : (float) row.getDouble(column);
                    }
                    n++;
                }
                scores = lease.model().predict(n == batch ? values : java.util.Arrays.copyOf(values, n * features), n);
                pending = n;
                next = 0;
                return true;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                InternalRow in = kept[next];
                Object[] out = new Object[KEY_COLUMNS + 1];
                for (int i = 0; i < KEY_COLUMNS; i++) {
                    out[i] = keyReaders[i].apply(in, i);
                }
                out[KEY_COLUMNS] = (double) scores[next];
                kept[next++] = null;
                return new GenericInternalRow(out);
            }
        };
    }
}
