package dev.noexcuses.lakehouse;

import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.lakehouse.jobs.QualityJob;
import dev.noexcuses.lakehouse.parallelism.Advice;
import dev.noexcuses.lakehouse.parallelism.ClusterProbe;
import dev.noexcuses.lakehouse.parallelism.IcebergInputFiles;
import dev.noexcuses.lakehouse.parallelism.ParallelismAdvisor;
import dev.noexcuses.lakehouse.runs.RunHistory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One Spark session per test JVM over the embedded PostgreSQL catalog and S3 server; the raw tables
 * laid out as the batch loader makes them (its schema, partitioned by the day of received_at).
 */
public final class LakeTestBed {
    private static LakeTestBed instance;

    public final SparkSession spark;
    final RunHistory history;
    private final AtomicLong offsets = new AtomicLong();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    public final JobSettings settings;
    final Advice advice;

    private LakeTestBed(SparkSession spark, RunHistory history, JobSettings settings, Advice advice) {
        this.spark = spark;
        this.history = history;
        this.settings = settings;
        this.advice = advice;
    }

    public static synchronized LakeTestBed get() {
        if (instance == null) {
            LocalInfra infra = SharedLocalInfra.get("postgres", "s3");
            Map<String, String> keys = infra.serviceOverrides();
            String bucket = "noexcuses-lake";
            JobSettings declared = new JobSettings("lake", keys.get("postgres.jdbc-url"), keys.get("postgres.user"),
                    keys.get("postgres.password"), "s3://" + bucket + "/warehouse", keys.get("s3.endpoint"), "us-east-1",
                    "noexcuses", "noexcuses-secret", true, "local[2]", -1, 1,
                    Map.of("spark.driver.memory", "1g", "spark.sql.adaptive.coalescePartitions.minPartitionSize", "1"));
            // As a job JVM does: the advice under the explicit settings (shuffle partitions 1 wins).
            Advice advice;
            try (IcebergInputFiles files = new IcebergInputFiles(declared)) {
                advice = new ParallelismAdvisor().advise(files.forJob("all", List.of(LocalDate.now())),
                        ClusterProbe.probe(declared.master(), "", 0, 0));
            }
            JobSettings settings = declared.withAdvice(advice.sparkConf());
            SparkSession spark = LakeSession.open(settings, "lakehouse-tests");
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop, "spark-stop"));
            createRawTables(spark);
            instance = new LakeTestBed(spark, new RunHistory(settings.catalogUri(), settings.catalogUser(),
                    settings.catalogPassword()), settings, advice);
        }
        return instance;
    }

    private static void createRawTables(SparkSession spark) {
        spark.sql("CREATE NAMESPACE IF NOT EXISTS raw");
        spark.sql("""
                CREATE TABLE IF NOT EXISTS raw.enriched_events (
                  event_id STRING NOT NULL, schema STRING NOT NULL, schema_vendor STRING, schema_name STRING,
                  schema_version STRING, event_time TIMESTAMP, source STRING, user_id STRING, anonymous_id STRING,
                  data STRING NOT NULL, received_at TIMESTAMP, collector_host STRING, request_id STRING,
                  client_ip STRING, user_agent STRING, authenticated_source STRING, transport STRING,
                  ua STRUCT<browser: STRING, browser_version: STRING, os: STRING, os_version: STRING, device: STRING>,
                  geo STRUCT<country_code: STRING, country: STRING, city: STRING>,
                  score STRUCT<model: STRING, version: STRING, value: DOUBLE>,
                  enrichments STRING, kafka_topic STRING NOT NULL, kafka_partition INT NOT NULL,
                  kafka_offset BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)
                USING iceberg PARTITIONED BY (days(received_at)) TBLPROPERTIES ('format-version' = '2')
                """);
        spark.sql("""
                CREATE TABLE IF NOT EXISTS raw.failed_events (
                  failure_id STRING NOT NULL, failure_type STRING NOT NULL, component STRING,
                  errors ARRAY<STRUCT<path: STRING NOT NULL, message: STRING NOT NULL>>, event_id STRING,
                  payload STRING, payload_encoding STRING, payload_truncated BOOLEAN, failed_at TIMESTAMP NOT NULL,
                  received_at TIMESTAMP, context MAP<STRING, STRING>, kafka_topic STRING NOT NULL,
                  kafka_partition INT NOT NULL, kafka_offset BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)
                USING iceberg PARTITIONED BY (days(received_at)) TBLPROPERTIES ('format-version' = '2')
                """);
    }

    /** A raw event as the batch loader writes it; received two seconds after event_time unless said otherwise. */
    public record RawEvent(String eventId, String type, Instant eventTime, String userId, String anonymousId, String data,
                    Instant receivedAt) {
        public RawEvent(String eventId, String type, String eventTime, String userId, String anonymousId, String data) {
            this(eventId, type, Instant.parse(eventTime), userId, anonymousId, data,
                    Instant.parse(eventTime).plusSeconds(2));
        }

        RawEvent receivedAt(String when) {
            return new RawEvent(eventId, type, eventTime, userId, anonymousId, data, Instant.parse(when));
        }
    }

    public void load(List<RawEvent> events) {
        StructType schema = spark.table("raw.enriched_events").schema();
        List<Row> rows = new ArrayList<>();
        Timestamp loadedAt = Timestamp.from(Instant.now());
        for (RawEvent e : events) {
            rows.add(RowFactory.create(e.eventId(), "com.webshop/" + e.type() + "/1-0-0", "com.webshop", e.type(), "1-0-0",
                    Timestamp.from(e.eventTime()), "web-shop", e.userId(), e.anonymousId(), e.data(),
                    Timestamp.from(e.receivedAt()), "test-host", "req-1", "127.0.0.1", "test-agent", "web-shop", "rest",
                    RowFactory.create("Firefox", "120", "Linux", null, "Desktop"),
                    RowFactory.create("DE", "Germany", "Berlin"), null, "{}", "events.enriched", 0,
                    offsets.incrementAndGet(), loadedAt));
        }
        spark.createDataFrame(rows, schema).write().insertInto("raw.enriched_events");
    }

    void loadFailed(int count, Instant receivedAt) {
        StructType schema = spark.table("raw.failed_events").schema();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(RowFactory.create("f-" + offsets.incrementAndGet(), "schema_violation", "enricher", null, null, "{}",
                    "json", false, Timestamp.from(receivedAt), Timestamp.from(receivedAt), null, "events.enriched.dlq", 0,
                    offsets.get(), Timestamp.from(Instant.now())));
        }
        spark.createDataFrame(rows, schema).write().insertInto("raw.failed_events");
    }

    JobRunner.Report run(String job, LocalDate... days) {
        try (JobRunner runner = new JobRunner(spark, history,
                new Progress(new PrintStream(output, true, StandardCharsets.UTF_8)), QualityJob.Thresholds.defaults())) {
            return runner.run(job, List.of(days));
        }
    }

    String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    public List<Row> rows(String sql) {
        return spark.sql(sql).collectAsList();
    }

}
