package dev.noexcuses.infra.s3;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One S3 endpoint and bucket, as every S3 user of the platform sees it: the embedded s3proxy,
 * MinIO or AWS S3 all go through this same AWS SDK v2 client setup.
 *
 * @param endpoint the endpoint URL, or blank for AWS's regional endpoint
 * @param accessKey blank to use the default AWS credential chain
 */
public record S3Storage(String endpoint, String region, String accessKey, String secretKey, String bucket,
                        boolean pathStyleAccess) {

    public S3Storage {
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(region, "region is null");
        requireNonNull(accessKey, "accessKey is null");
        requireNonNull(secretKey, "secretKey is null");
        requireNonNull(bucket, "bucket is null");
        if (bucket.isBlank()) {
            throw new IllegalArgumentException("Invalid S3 bucket: it is blank (s3.bucket)");
        }
    }

    public S3Client client() {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .forcePathStyle(pathStyleAccess)
                // S3-compatible servers differ in the newer default checksums; ask for them only when required.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(30)));
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

    /** Creates the bucket unless it exists. */
    public void ensureBucket() {
        try (S3Client s3 = client()) {
            try {
                s3.headBucket(b -> b.bucket(bucket));
            } catch (NoSuchBucketException e) {
                try {
                    s3.createBucket(b -> b.bucket(bucket));
                } catch (BucketAlreadyOwnedByYouException ignored) {
                    // Created meanwhile by another process.
                }
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                s3.createBucket(b -> b.bucket(bucket));
            }
        }
    }

    /** Whether the bucket answers right now. */
    public boolean reachable() {
        try (S3Client s3 = client()) {
            s3.headBucket(b -> b.bucket(bucket));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("endpoint", endpoint.isBlank() ? "(AWS, region " + region + ")" : endpoint);
        details.put("region", region);
        details.put("access_key", accessKey);
        details.put("secret_key", secretKey);
        details.put("bucket", bucket);
        details.put("warehouse", "s3://" + bucket + "/warehouse");
        return details;
    }

    public Map<String, String> serviceConfig() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("s3.endpoint", endpoint);
        keys.put("s3.region", region);
        keys.put("s3.access-key", accessKey);
        keys.put("s3.secret-key", secretKey);
        keys.put("s3.bucket", bucket);
        keys.put("s3.path-style-access", String.valueOf(pathStyleAccess));
        return keys;
    }
}
