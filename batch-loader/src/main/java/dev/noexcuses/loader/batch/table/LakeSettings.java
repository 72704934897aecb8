package dev.noexcuses.loader.batch.table;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;

/**
 * Where the lake is: the Iceberg JDBC catalog in PostgreSQL ({@code postgres.*}) and the warehouse
 * in an S3 bucket ({@code s3.*}); {@code lake.*} names the catalog and the warehouse folder.
 */
public record LakeSettings(
        String catalogName,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        S3Settings s3,
        String warehouse) {

    public LakeSettings {
        requireNonNull(catalogName, "catalogName is null");
        requireNonNull(jdbcUrl, "jdbcUrl is null");
        requireNonNull(jdbcUser, "jdbcUser is null");
        requireNonNull(jdbcPassword, "jdbcPassword is null");
        requireNonNull(s3, "s3 is null");
        requireNonNull(warehouse, "warehouse is null");
        if (jdbcUrl.isBlank()) {
            throw new IllegalStateException("postgres.jdbc-url is not set: start the embedded infrastructure "
                    + "(./platform up) or configure the PostgreSQL server that holds the Iceberg catalog");
        }
        if (!jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("Invalid postgres.jdbc-url: " + jdbcUrl + ", expected jdbc:postgresql://...");
        }
    }

    public static LakeSettings from(Config config) {
        S3Settings s3 = S3Settings.from(config);
        String folder = config.getString("lake.warehouse-path");
        return new LakeSettings(
                config.getString("lake.catalog-name"),
                config.getString("postgres.jdbc-url"),
                config.getString("postgres.user"),
                config.getString("postgres.password"),
                s3,
                "s3://" + s3.bucket() + "/" + folder);
    }
}
