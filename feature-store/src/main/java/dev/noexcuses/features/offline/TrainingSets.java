package dev.noexcuses.features.offline;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Point-in-time training sets: for every label row ({@code user_key}, {@code label_time}, {@code label} and any
 * other columns), each view's latest row whose feature time is at or before the label time and at most the
 * view's TTL before it ({@link dev.noexcuses.features.definition.Freshness}: older is missing, as online). Never
 * a later row, so nothing that was not known at the label time leaks in. Each label is matched against the few
 * days its TTL allows (an equi-join on key and day, not a scan of the entity's history), so the work grows with
 * the labels, not with the history.
 *
 * <p>The set is written as the Iceberg table {@code training.<name>}, whose properties keep the snapshot id of
 * every feature table read ({@code feature-store.snapshot.<view>}): {@link #build} with those ids rebuilds it
 * identically, whatever was built since.
 */
public final class TrainingSets {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    public static final String SNAPSHOT_PROPERTY = "feature-store.snapshot.";

    /** What was written: the table, its rows, the snapshot read per view, and per view the labels left without values. */
    public record Result(String table, long rows, Map<String, Long> snapshots, Map<String, Long> missing) {}

    private final SparkSession spark;

    public TrainingSets(SparkSession spark) {
        this.spark = requireNonNull(spark, "spark is null");
    }

    /**
     * @param labels the label rows: {@code user_key} (string), {@code label_time} (timestamp), {@code label}
     * @param atSnapshots snapshot ids to read per view (to rebuild a set); views not named are read as they are now
     */
    public Result build(String name, Dataset<Row> labels, List<FeatureView> views, Map<String, Long> atSnapshots) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid training set name '" + name + "': expected lower-case letters, "
                    + "digits and _");
        }
        List<String> columns = Arrays.asList(labels.columns());
        for (String required : List.of("user_key", "label_time", "label")) {
            if (!columns.contains(required)) {
                throw new IllegalArgumentException("The labels have no column '" + required + "' (columns: " + columns
                        + "; expected user_key, label_time, label)");
            }
        }
        String timeType = labels.schema().apply("label_time").dataType().typeName();
        if (!timeType.startsWith("timestamp")) {
            throw new IllegalArgumentException("The labels' label_time is " + timeType + ": expected a timestamp");
        }
        Dataset<Row> numbered = labels.withColumn("_label_id", functions.monotonically_increasing_id()).localCheckpoint();
        numbered.createOrReplaceTempView("fs_labels");
        Map<String, Long> snapshots = new LinkedHashMap<>();
        Dataset<Row> result = numbered;
        for (FeatureView view : views) {
            long snapshot = atSnapshots.containsKey(view.name()) ? atSnapshots.get(view.name()) : currentSnapshot(view);
            snapshots.put(view.name(), snapshot);
            result = result.join(latestAsOfLabel(view, snapshot), functions.col("_label_id")
                    .equalTo(functions.col(view.name() + "__label_id")), "left").drop(view.name() + "__label_id");
        }
        String table = FeatureTables.TRAINING_NAMESPACE + "." + name;
        spark.sql("CREATE NAMESPACE IF NOT EXISTS " + FeatureTables.TRAINING_NAMESPACE);
        var writer = result.drop("_label_id").writeTo(table).using("iceberg").tableProperty("format-version", "2");
        for (Map.Entry<String, Long> e : snapshots.entrySet()) {
            writer = writer.tableProperty(SNAPSHOT_PROPERTY + e.getKey(), String.valueOf(e.getValue()));
        }
        try {
            writer.createOrReplace();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write " + table + ": " + e.getMessage(), e);
        }
        Map<String, Long> missing = new LinkedHashMap<>();
        StringBuilder counts = new StringBuilder("SELECT count(*)");
        for (FeatureView view : views) {
            counts.append(", count_if(").append(view.name()).append("__feature_time IS NULL)");
        }
        Row r = spark.sql(counts + " FROM " + table).first();
        for (int i = 0; i < views.size(); i++) {
            missing.put(views.get(i).name(), r.getLong(i + 1));
        }
        return new Result(table, r.getLong(0), snapshots, missing);
    }

    /** The snapshot ids a training set was built from, to rebuild it. */
    public Map<String, Long> snapshotsOf(String trainingTable) {
        Map<String, Long> ids = new LinkedHashMap<>();
        load(trainingTable).properties().forEach((k, v) -> {
            if (k.startsWith(SNAPSHOT_PROPERTY)) {
                ids.put(k.substring(SNAPSHOT_PROPERTY.length()), Long.parseLong(v));
            }
        });
        return ids;
    }

    private long currentSnapshot(FeatureView view) {
        if (!spark.catalog().tableExists(view.table())) {
            throw new IllegalStateException(view.table() + " does not exist yet: build it first (./platform features build)");
        }
        Snapshot current = load(view.table()).currentSnapshot();
        if (current == null) {
            throw new IllegalStateException(view.table() + " has no rows yet: build it first (./platform features build)");
        }
        return current.snapshotId();
    }

    private Table load(String table) {
        try {
            return Spark3Util.loadIcebergTable(spark, table);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load " + table + ": " + e.getMessage(), e);
        }
    }

    /** Per label id, the view's latest usable row: {@code <view>__feature_time} and {@code <view>__<feature>}. */
    private Dataset<Row> latestAsOfLabel(FeatureView view, long snapshot) {
        long ttlMicros = view.ttl().toNanos() / 1000;
        String key = view.entity().joinKey();
        List<String> picked = new ArrayList<>(List.of("'feature_time', f.feature_time"));
        List<String> out = new ArrayList<>(List.of("p.feature_time AS " + view.name() + "__feature_time"));
        for (Feature f : view.features()) {
            picked.add("'" + f.name() + "', f." + f.name());
            out.add("p." + f.name() + " AS " + view.name() + "__" + f.name());
        }
        return spark.sql("""
                WITH candidates AS (
                  SELECT _label_id, user_key, label_time,
                         explode(sequence(date_sub(to_date(timestamp_micros(unix_micros(label_time) - %1$d)), 1),
                                          to_date(label_time))) AS candidate_date
                  FROM fs_labels WHERE label_time IS NOT NULL AND user_key IS NOT NULL),
                picked AS (
                  SELECT c._label_id, max_by(named_struct(%2$s), f.feature_time) AS p
                  FROM candidates c JOIN %3$s VERSION AS OF %4$d f
                    ON f.%5$s = c.user_key AND f.feature_date = c.candidate_date
                  WHERE f.feature_time <= c.label_time AND unix_micros(c.label_time) - unix_micros(f.feature_time) <= %1$d
                  GROUP BY c._label_id)
                SELECT _label_id AS %6$s__label_id, %7$s FROM picked
                """.formatted(ttlMicros, String.join(", ", picked), view.table(), snapshot, key, view.name(),
                String.join(", ", out)));
    }
}
