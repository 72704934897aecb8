package dev.noexcuses.infra.s3;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;

/** S3: the configured endpoint ({@code s3.endpoint}: MinIO, AWS), else an embedded s3proxy server. */
public final class S3Factory implements ComponentFactory {
    @Override
    public String name() {
        return "s3";
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        String endpoint = config.getString("s3.endpoint");
        String region = config.getString("s3.region");
        String accessKey = config.getString("s3.access-key");
        String secretKey = config.getString("s3.secret-key");
        String bucket = config.getString("s3.bucket");
        if (!endpoint.isBlank() || !config.getBoolean("local-infra.s3.embedded")) {
            return new ExternalS3(new S3Storage(endpoint, region, accessKey, secretKey, bucket,
                    config.getBoolean("s3.path-style-access")));
        }
        return new EmbeddedS3(dataDir.resolve("s3"), config.getString("local-infra.host"),
                ports.port("local-infra.s3.port"), region, accessKey, secretKey, bucket);
    }
}
