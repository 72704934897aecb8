package dev.noexcuses.registry.artifacts;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.registry.RegistryException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Run artifacts in the platform's S3 bucket ({@code s3.*}), under
 * {@code <artifacts-prefix>/<experiment id>/<run id>/artifacts/<path>}: the embedded server, MinIO or AWS
 * S3 through the same AWS SDK v2 client.
 */
public final class ArtifactStore implements AutoCloseable {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    private ArtifactStore(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** One artifact file: its path under the run's artifact root and its size. */
    public record ArtifactFile(String path, long size) {}

    public static ArtifactStore open(Config config) {
        String bucket = config.getString("s3.bucket");
        if (bucket.isBlank()) {
            throw new IllegalArgumentException("Invalid s3.bucket: it is blank; the model registry keeps artifacts there");
        }
        String accessKey = config.getString("s3.access-key");
        var builder = S3Client.builder()
                .region(Region.of(config.getString("s3.region")))
                .credentialsProvider(accessKey.isBlank() ? DefaultCredentialsProvider.builder().build()
                        : StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, config.getString("s3.secret-key"))))
                .forcePathStyle(config.getBoolean("s3.path-style-access"))
                // S3-compatible servers differ in the newer default checksums; ask for them only when required.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(Duration.ofSeconds(60)));
        String endpoint = config.getString("s3.endpoint");
        if (!endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        String prefix = config.getString("model-registry.artifacts-prefix").replaceAll("^/+|/+$", "");
        return new ArtifactStore(builder.build(), bucket, prefix);
    }

    /** The artifact root of a run, as an S3 URI (what MLflow calls the run's artifact_uri). */
    public String runArtifactUri(long experimentId, String runId) {
        return "s3://" + bucket + "/" + runKey(experimentId, runId);
    }

    /** The artifact location of an experiment. */
    public String experimentArtifactUri(long experimentId) {
        return "s3://" + bucket + "/" + prefix + "/" + experimentId;
    }

    public void put(long experimentId, String runId, String path, byte[] content) {
        s3.putObject(b -> b.bucket(bucket).key(key(experimentId, runId, path)), RequestBody.fromBytes(content));
    }

    public byte[] get(long experimentId, String runId, String path) {
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key(experimentId, runId, path)));
            return bytes.asByteArray();
        } catch (NoSuchKeyException e) {
            throw RegistryException.notFound("No artifact '" + path + "' in run " + runId);
        }
    }

    /** Every artifact file of the run, with its path under the run's artifact root. */
    public List<ArtifactFile> list(long experimentId, String runId) {
        String root = runKey(experimentId, runId) + "/";
        List<ArtifactFile> files = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(root).continuationToken(continuation));
            for (S3Object o : page.contents()) {
                files.add(new ArtifactFile(o.key().substring(root.length()), o.size()));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return files;
    }

    private String runKey(long experimentId, String runId) {
        return prefix + "/" + experimentId + "/" + runId + "/artifacts";
    }

    private String key(long experimentId, String runId, String path) {
        return runKey(experimentId, runId) + "/" + checkedPath(path);
    }

    /** A relative path without empty, "." or ".." segments: an artifact never escapes its run's folder. */
    static String checkedPath(String path) {
        requireNonNull(path, "path is null");
        String p = path.replaceAll("^/+", "");
        if (p.isEmpty()) {
            throw RegistryException.invalid("Invalid artifact path '" + path + "': expected a relative file path");
        }
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw RegistryException.invalid("Invalid artifact path '" + path
                        + "': expected a relative path without empty, '.' or '..' segments");
            }
        }
        return p;
    }

    @Override
    public void close() {
        s3.close();
    }
}
