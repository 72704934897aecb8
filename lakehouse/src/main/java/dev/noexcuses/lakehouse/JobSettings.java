package dev.noexcuses.lakehouse;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a job run needs, given by the launcher as arguments (secrets as environment variables,
 * so they never show in a process list): the Iceberg JDBC catalog, the S3 warehouse, and Spark.
 */
public record JobSettings(
        String catalogName,
        String catalogUri,
        String catalogUser,
        String catalogPassword,
        String warehouse,
        String s3Endpoint,
        String s3Region,
        String s3AccessKey,
        String s3SecretKey,
        boolean s3PathStyle,
        String master,
        int uiPort,
        int shufflePartitions,
        Map<String, String> sparkConf) {

    public static final String CATALOG_PASSWORD_ENV = "LAKEHOUSE_CATALOG_PASSWORD";
    public static final String S3_ACCESS_KEY_ENV = "LAKEHOUSE_S3_ACCESS_KEY";
    public static final String S3_SECRET_KEY_ENV = "LAKEHOUSE_S3_SECRET_KEY";

    public JobSettings {
        requireNonNull(catalogName, "catalogName is null");
        requireNonNull(catalogUri, "catalogUri is null");
        requireNonNull(catalogUser, "catalogUser is null");
        requireNonNull(catalogPassword, "catalogPassword is null");
        requireNonNull(warehouse, "warehouse is null");
        requireNonNull(s3Endpoint, "s3Endpoint is null");
        requireNonNull(s3Region, "s3Region is null");
        requireNonNull(s3AccessKey, "s3AccessKey is null");
        requireNonNull(s3SecretKey, "s3SecretKey is null");
        requireNonNull(master, "master is null");
        sparkConf = Map.copyOf(sparkConf);
        if (!catalogUri.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("Invalid --catalog-uri: " + catalogUri + ", expected jdbc:postgresql://...");
        }
        if (!warehouse.startsWith("s3://")) {
            throw new IllegalArgumentException("Invalid --warehouse: " + warehouse + ", expected s3://bucket/folder");
        }
        if (shufflePartitions < 0) {
            throw new IllegalArgumentException("Invalid --shuffle-partitions: " + shufflePartitions
                    + ", expected >= 1 (or 0: not set)");
        }
    }

    /**
     * These settings with the advisor's Spark settings added under the explicit ones: a setting given
     * with {@code --conf} or {@code --shuffle-partitions} always wins over the advice.
     */
    public JobSettings withAdvice(Map<String, String> advised) {
        Map<String, String> conf = new LinkedHashMap<>(advised);
        if (shufflePartitions > 0) {
            conf.put("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
        }
        conf.putAll(sparkConf);
        return new JobSettings(catalogName, catalogUri, catalogUser, catalogPassword, warehouse, s3Endpoint, s3Region,
                s3AccessKey, s3SecretKey, s3PathStyle, master, uiPort, shufflePartitions, conf);
    }

    /** Every Spark setting of a session for these settings: the master, {@code catalogName} as the
     * Iceberg catalog of the platform's lake (with its secrets), the extra settings. */
    public Map<String, String> sparkConfiguration() {
        String c = "spark.sql.catalog." + catalogName;
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.master", master);
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.ui.port", String.valueOf(Math.max(uiPort, 0)));
        conf.put("spark.ui.enabled", String.valueOf(uiPort >= 0));
        conf.put("spark.ui.showConsoleProgress", "false");
        conf.put("spark.sql.session.timeZone", "UTC");
        // Executors on a cluster read and write S3 too (s3proxy and MinIO need these); Spark adds the JDK 17 opens.
        conf.put("spark.executor.extraJavaOptions", "-Duser.timezone=UTC -Daws.requestChecksumCalculation=WHEN_REQUIRED "
                + "-Daws.responseChecksumValidation=WHEN_REQUIRED");
        if (shufflePartitions > 0) {
            conf.put("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
        }
        conf.put("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions");
        conf.put("spark.sql.defaultCatalog", catalogName);
        conf.put(c, "org.apache.iceberg.spark.SparkCatalog");
        conf.put(c + ".catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog");
        conf.put(c + ".uri", catalogUri);
        conf.put(c + ".jdbc.user", catalogUser);
        conf.put(c + ".jdbc.password", catalogPassword);
        conf.put(c + ".jdbc.schema-version", "V1");
        conf.put(c + ".warehouse", warehouse);
        conf.put(c + ".io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        if (!s3Endpoint.isBlank()) {
            conf.put(c + ".s3.endpoint", s3Endpoint);
        }
        conf.put(c + ".s3.path-style-access", String.valueOf(s3PathStyle));
        conf.put(c + ".client.region", s3Region);
        if (!s3AccessKey.isBlank()) {
            conf.put(c + ".s3.access-key-id", s3AccessKey);
            conf.put(c + ".s3.secret-access-key", s3SecretKey);
        }
        conf.putAll(sparkConf);
        return conf;
    }
}
