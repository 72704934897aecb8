package dev.noexcuses.features.offline;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.lakehouse.Progress;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.NoSuchTableException;
import org.apache.spark.sql.functions;

/**
 * Builds a view's offline rows for a set of days: blocks of at most {@code blockDays} consecutive days, each
 * read from the source once and written as one Iceberg overwrite of exactly those days' partitions, so a day
 * built again gives the same rows (idempotent), and memory is bounded by a block and the longest window.
 */
public final class FeatureBuild {
    private final SparkSession spark;
    private final Progress progress;
    private final int blockDays;

    public FeatureBuild(SparkSession spark, Progress progress, int blockDays) {
        this.spark = requireNonNull(spark, "spark is null");
        this.progress = requireNonNull(progress, "progress is null");
        if (blockDays < 1) {
            throw new IllegalArgumentException("Invalid block of " + blockDays + " days: expected at least 1");
        }
        this.blockDays = blockDays;
    }

    /** Rows written per day. */
    public Map<LocalDate, Long> build(FeatureView view, List<LocalDate> days, Instant builtAt) {
        if (!spark.catalog().tableExists(view.source().name())) {
            throw new IllegalStateException(view.source().name() + " does not exist yet: run the lakehouse jobs first "
                    + "(./platform lakehouse run all --date D)");
        }
        FeatureTables.ensure(spark, view);
        Map<LocalDate, Long> written = new LinkedHashMap<>();
        for (List<LocalDate> block : blocks(days)) {
            Instant started = Instant.now();
            LocalDate first = block.get(0);
            LocalDate last = block.get(block.size() - 1);
            Dataset<Row> rows = spark.sql(FeatureSql.rows(view, first, last))
                    .withColumn("built_at", functions.lit(Timestamp.from(builtAt)));
            String[] columns = spark.table(view.table()).columns();
            Column[] ordered = new Column[columns.length];
            List<String> available = List.of(rows.columns());
            for (int i = 0; i < columns.length; i++) {
                // A column the definition no longer has stays in the table, empty for new days.
                ordered[i] = available.contains(columns[i]) ? functions.col(columns[i])
                        : functions.lit(null).cast(spark.table(view.table()).schema().apply(columns[i]).dataType()).as(columns[i]);
            }
            try {
                rows.select(ordered).writeTo(view.table()).overwrite(functions.col("feature_date")
                        .isin(block.stream().map(java.sql.Date::valueOf).toArray()));
            } catch (NoSuchTableException e) {
                throw new IllegalStateException("Table " + view.table() + " does not exist: " + e.getMessage(), e);
            }
            for (Row r : spark.sql("SELECT feature_date, count(*) FROM " + view.table() + " WHERE feature_date IN ("
                    + FeatureSql.dateList(block) + ") GROUP BY 1").collectAsList()) {
                written.put(r.getDate(0).toLocalDate(), r.getLong(1));
            }
            block.forEach(d -> written.putIfAbsent(d, 0L));
            long total = block.stream().mapToLong(written::get).sum();
            progress.stage("features", view.name() + " " + (block.size() == 1 ? first : first + ".." + last), total, started);
        }
        return written;
    }

    /** Consecutive days in runs of at most blockDays. */
    private List<List<LocalDate>> blocks(List<LocalDate> days) {
        List<LocalDate> sorted = days.stream().distinct().sorted().toList();
        List<List<LocalDate>> blocks = new ArrayList<>();
        List<LocalDate> current = new ArrayList<>();
        for (LocalDate d : sorted) {
            if (!current.isEmpty() && (current.size() == blockDays || !current.get(current.size() - 1).plusDays(1).equals(d))) {
                blocks.add(current);
                current = new ArrayList<>();
            }
            current.add(d);
        }
        if (!current.isEmpty()) {
            blocks.add(current);
        }
        return blocks;
    }
}
