package dev.noexcuses.features.offline;

import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * The offline tables {@code features.<view>}: one row per entity and day ({@code feature_date}, the partition),
 * its feature time (the end of that day), when it was built, and one column per feature. Created when missing
 * (Iceberg format v2, which Trino reads); a feature added to a view becomes a new column. The key columns are
 * never empty (the build filters them), but are not declared NOT NULL: Spark cannot always prove a computed column
 * non-null, and Iceberg would then refuse the write.
 */
public final class FeatureTables {
    public static final String NAMESPACE = "features";
    public static final String TRAINING_NAMESPACE = "training";

    private FeatureTables() {}

    public static void ensure(SparkSession spark, FeatureView view) {
        spark.sql("CREATE NAMESPACE IF NOT EXISTS " + NAMESPACE);
        StringBuilder ddl = new StringBuilder("CREATE TABLE IF NOT EXISTS " + view.table() + " ("
                + view.entity().joinKey() + " STRING COMMENT '" + escape(view.entity().description()) + "', "
                + "feature_date DATE COMMENT 'the day the values summarise', "
                + "feature_time TIMESTAMP COMMENT 'when the values became known: the end of feature_date (UTC)', "
                + "built_at TIMESTAMP COMMENT 'when the build that wrote the row started'");
        for (Feature f : view.features()) {
            ddl.append(", ").append(f.name()).append(' ').append(f.type().sqlType()).append(" COMMENT '")
                    .append(escape(f.description())).append('\'');
        }
        ddl.append(") USING iceberg PARTITIONED BY (feature_date) TBLPROPERTIES ('format-version' = '2', "
                + "'feature-store.owner' = '" + escape(view.owner()) + "', 'feature-store.ttl' = '" + view.ttl() + "')");
        spark.sql(ddl.toString());
        Set<String> columns = new HashSet<>(Arrays.asList(spark.table(view.table()).columns()));
        for (Feature f : view.features()) {
            if (!columns.contains(f.name())) {
                spark.sql("ALTER TABLE " + view.table() + " ADD COLUMN " + f.name() + " " + f.type().sqlType()
                        + " COMMENT '" + escape(f.description()) + "'");
            }
        }
    }

    private static String escape(String text) {
        return text.replace("'", "\\'");
    }
}
