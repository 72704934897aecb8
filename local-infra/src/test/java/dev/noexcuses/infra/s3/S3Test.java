package dev.noexcuses.infra.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3Test {

    @Test
    void servesTheS3ApiWithTheBucketCreatedAndKeepsObjectsAcrossARestart() throws Exception {
        var config = PlatformConfig.defaults(Map.of());
        try (LocalInfra infra = LocalInfra.forTests(config).start("s3")) {
            var s3 = infra.component("s3").orElseThrow();
            assertThat(s3.embedded()).isTrue();
            assertThat(s3.isHealthy()).isTrue();
            assertThat(s3.connectionDetails()).containsKeys("endpoint", "access_key", "secret_key", "bucket");
            S3Storage storage = storage(infra.serviceOverrides());
            byte[] big = new byte[12 * 1024 * 1024];
            try (S3Client client = storage.client()) {
                client.putObject(b -> b.bucket(storage.bucket()).key("dir/small.txt"), RequestBody.fromString("kept"));
                client.putObject(b -> b.bucket(storage.bucket()).key("dir/big.bin"), RequestBody.fromBytes(big));
            }

            s3.stop();
            assertThat(s3.isHealthy()).isFalse();
            s3.start();

            try (S3Client client = storage.client()) {
                assertThat(client.getObjectAsBytes(b -> b.bucket(storage.bucket()).key("dir/small.txt")).asUtf8String())
                        .isEqualTo("kept");
                assertThat(client.listObjectsV2(b -> b.bucket(storage.bucket()).prefix("dir/")).contents())
                        .extracting(o -> o.key() + ":" + o.size())
                        .containsExactlyInAnyOrder("dir/small.txt:4", "dir/big.bin:" + big.length);
            }
        }
    }

    @Test
    void refusesRequestsSignedWithTheWrongKeys() {
        Map<String, String> keys = SharedLocalInfra.get("s3").serviceOverrides();
        S3Storage wrong = new S3Storage(keys.get("s3.endpoint"), keys.get("s3.region"), keys.get("s3.access-key"),
                "not-the-secret", keys.get("s3.bucket"), true);
        try (S3Client client = wrong.client()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> client.listObjectsV2(b -> b.bucket(wrong.bucket())))
                    .isInstanceOf(S3Exception.class);
        }
    }

    @Test
    void usesAConfiguredEndpointThroughTheSameClientAndCreatesTheBucket() {
        Map<String, String> keys = SharedLocalInfra.get("s3").serviceOverrides();
        var config = PlatformConfig.defaults(Map.of("s3.endpoint", keys.get("s3.endpoint"), "s3.bucket", "other"));
        try (LocalInfra infra = LocalInfra.forTests(config).start("s3")) {
            var s3 = infra.component("s3").orElseThrow();
            assertThat(s3.embedded()).isFalse();
            assertThat(s3.isHealthy()).isTrue();
            assertThat(storage(infra.serviceOverrides()).reachable()).isTrue();
        }
    }

    private static S3Storage storage(Map<String, String> keys) {
        return new S3Storage(keys.get("s3.endpoint"), keys.get("s3.region"), keys.get("s3.access-key"),
                keys.get("s3.secret-key"), keys.get("s3.bucket"), Boolean.parseBoolean(keys.get("s3.path-style-access")));
    }
}
