package dev.noexcuses.infra.s3;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.util.Map;

/** An S3 service run elsewhere (MinIO, AWS S3): nothing is started; the bucket is created if missing. */
public final class ExternalS3 implements InfraComponent {
    private final S3Storage storage;

    public ExternalS3(S3Storage storage) {
        this.storage = requireNonNull(storage, "storage is null");
    }

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public void start() {
        try {
            storage.ensureBucket();
        } catch (RuntimeException e) {
            throw new IllegalStateException("Configured S3 endpoint " + storage.connectionDetails().get("endpoint")
                    + " has no usable bucket '" + storage.bucket() + "' (s3.*): " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return storage.reachable();
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        return storage.connectionDetails();
    }

    @Override
    public Map<String, String> serviceConfig() {
        return storage.serviceConfig();
    }
}
