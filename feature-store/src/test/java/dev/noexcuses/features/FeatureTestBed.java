package dev.noexcuses.features;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSession;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import dev.noexcuses.lakehouse.runs.RunHistory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;

/**
 * One Spark session per test JVM over the embedded PostgreSQL catalog, S3 and Redis, with the lakehouse's curated
 * tables (empty) to put hand-made rows in.
 */
final class FeatureTestBed {
    private static FeatureTestBed instance;

    final SparkSession spark;
    final RunHistory history;
    final RedisAccess redis;
    final LocalInfra infra;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    final Progress progress = new Progress(new PrintStream(output, true, StandardCharsets.UTF_8));

    private FeatureTestBed(SparkSession spark, RunHistory history, RedisAccess redis, LocalInfra infra) {
        this.spark = spark;
        this.history = history;
        this.redis = redis;
        this.infra = infra;
    }

    static synchronized FeatureTestBed get() {
        if (instance == null) {
            LocalInfra infra = SharedLocalInfra.get("postgres", "s3", "redis");
            Map<String, String> keys = infra.serviceOverrides();
            JobSettings settings = new JobSettings("lake", keys.get("postgres.jdbc-url"), keys.get("postgres.user"),
                    keys.get("postgres.password"), "s3://noexcuses-lake/warehouse", keys.get("s3.endpoint"), "us-east-1",
                    "noexcuses", "noexcuses-secret", true, "local[2]", -1, 2,
                    Map.of("spark.driver.memory", "1g", "spark.sql.iceberg.check-nullability", "false"));
            SparkSession spark = LakeSession.open(settings, "feature-store-tests");
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop, "spark-stop"));
            LakeTables.ensure(spark);
            RedisAccess redis = new RedisAccess(keys.get("redis.url"), "", keys.get("redis.password"), "", false);
            instance = new FeatureTestBed(spark, new RunHistory(settings.catalogUri(), settings.catalogUser(),
                    settings.catalogPassword()), redis, infra);
        }
        return instance;
    }

    /** Appends the rows of {@code select} (named columns) to {@code table}; columns it does not name are null. */
    void insert(String table, String select) throws Exception {
        Dataset<Row> given = spark.sql(select);
        List<String> named = Arrays.asList(given.columns());
        StructField[] fields = spark.table(table).schema().fields();
        Column[] columns = new Column[fields.length];
        for (int i = 0; i < fields.length; i++) {
            Column c = named.contains(fields[i].name()) ? functions.col(fields[i].name()) : functions.lit(null);
            columns[i] = c.cast(fields[i].dataType()).as(fields[i].name());
        }
        given.select(columns).writeTo(table).append();
    }

    List<Row> rows(String sql) {
        return spark.sql(sql).collectAsList();
    }

    String output() {
        return output.toString(StandardCharsets.UTF_8);
    }
}
