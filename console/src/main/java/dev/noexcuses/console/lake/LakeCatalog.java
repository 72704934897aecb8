package dev.noexcuses.console.lake;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.jdbc.JdbcClientPool;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The lake's Iceberg catalog as any client opens it: the JDBC catalog in {@code postgres.*}, files in
 * the {@code s3.*} bucket. Read-only use: it never creates the catalog's tables.
 */
final class LakeCatalog {
    private LakeCatalog() {}

    static boolean configured(Config config) {
        return !config.getString("postgres.jdbc-url").isBlank() && !config.getString("s3.endpoint").isBlank();
    }

    static JdbcCatalog open(Config config) {
        String jdbcUrl = config.getString("postgres.jdbc-url");
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.URI, jdbcUrl);
        props.put(CatalogProperties.WAREHOUSE_LOCATION,
                "s3://" + config.getString("s3.bucket") + "/" + config.getString("lake.warehouse-path"));
        props.put("jdbc.user", config.getString("postgres.user"));
        props.put("jdbc.password", config.getString("postgres.password"));
        props.put("jdbc.schema-version", "V1");
        props.put(CatalogProperties.CLIENT_POOL_SIZE, "2");
        JdbcCatalog catalog = new JdbcCatalog(p -> {
            S3FileIO io = new S3FileIO(() -> s3Client(config));
            io.initialize(p);
            return io;
        }, p -> new JdbcClientPool(jdbcUrl, p), false);
        catalog.initialize(config.getString("lake.catalog-name"), props);
        return catalog;
    }

    private static S3Client s3Client(Config config) {
        String accessKey = config.getString("s3.access-key");
        var builder = S3Client.builder()
                .region(Region.of(config.getString("s3.region")))
                .credentialsProvider(accessKey.isBlank() ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey,
                                config.getString("s3.secret-key"))))
                .forcePathStyle(config.getBoolean("s3.path-style-access"))
                // S3-compatible servers differ in the newer default checksums; ask for them only when required.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder().maxConnections(8)
                        .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)));
        String endpoint = config.getString("s3.endpoint");
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }
}
