package dev.noexcuses.loader.batch.table;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import org.apache.iceberg.util.SerializableSupplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 endpoint of the warehouse ({@code s3.*}): the embedded server, MinIO or AWS S3, all through
 * the same AWS SDK v2 client. Serializable because Iceberg's S3FileIO keeps its client supplier.
 */
public record S3Settings(String endpoint, String region, String accessKey, String secretKey, String bucket,
                         boolean pathStyleAccess) implements SerializableSupplier<S3Client>, Serializable {

    public S3Settings {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(accessKey, "accessKey is null");
        requireNonNull(secretKey, "secretKey is null");
        requireNonNull(bucket, "bucket is null");
        if (bucket.isBlank()) {
            throw new IllegalArgumentException("Invalid s3.bucket: it is blank");
        }
    }

    public static S3Settings from(Config config) {
        return new S3Settings(config.getString("s3.endpoint"), config.getString("s3.region"),
                config.getString("s3.access-key"), config.getString("s3.secret-key"), config.getString("s3.bucket"),
                config.getBoolean("s3.path-style-access"));
    }

    /** A new client; S3FileIO calls this once and keeps it. */
    @Override
    public S3Client get() {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .forcePathStyle(pathStyleAccess)
                // S3-compatible servers differ in the newer default checksums; ask for them only when required.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(32)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)));
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if (accessKey.isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
    }
}
