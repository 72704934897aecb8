package dev.noexcuses.infra.s3;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobProviderMetadata;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real S3 API server (s3proxy) in this JVM, storing objects as files under {@code dir}: each
 * bucket is a folder, so data survives restarts. Requests are signed with the configured keys.
 */
public final class EmbeddedS3 implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedS3.class);

    private final Path dir;
    private final String host;
    private final int port;
    private final S3Storage storage;
    private BlobStoreContext context;
    private S3Proxy proxy;

    public EmbeddedS3(Path dir, String host, int port, String region, String accessKey, String secretKey,
                      String bucket) {
        this.dir = requireNonNull(dir, "dir is null").toAbsolutePath().normalize();
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        if (accessKey.isBlank() || secretKey.isBlank()) {
            throw new IllegalArgumentException("Invalid S3 keys for the embedded server: s3.access-key and "
                    + "s3.secret-key must both be set");
        }
        this.storage = new S3Storage("http://" + host + ":" + port, region, accessKey, secretKey, bucket, true);
    }

    @Override
    public String name() {
        return "s3";
    }

    public String endpoint() {
        return storage.endpoint();
    }

    @Override
    public synchronized void start() throws Exception {
        if (proxy != null) {
            return;
        }
        Files.createDirectories(dir);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", dir.toString());
        // The provider is named by instance: a lookup by id would load every provider, Azure's included.
        context = ContextBuilder.newBuilder(new FilesystemNio2BlobProviderMetadata())
                .credentials("local", "local")
                .overrides(props)
                .build(BlobStoreContext.class);
        S3Proxy server = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create(storage.endpoint()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, storage.accessKey(), storage.secretKey())
                .jettyMaxThreads(32)
                // Newer AWS SDKs send checksum headers (x-amz-checksum-*) s3proxy does not know yet.
                .ignoreUnknownHeaders(true)
                .build();
        try {
            server.start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (!"STARTED".equals(server.getState())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("s3proxy did not start on " + storage.endpoint() + " in 30 s");
                }
                Thread.sleep(20);
            }
            proxy = server;
            storage.ensureBucket();
        } catch (Exception e) {
            stop();
            try {
                server.stop();
            } catch (Exception ignored) {
                // Already failing.
            }
            throw new IllegalStateException("S3 server failed to start on " + storage.endpoint()
                    + " (is the port in use?): " + e.getMessage(), e);
        }
        LOG.info("S3 server started on {} (bucket {}, data in {})", storage.endpoint(), storage.bucket(), dir);
    }

    @Override
    public synchronized void stop() {
        try {
            if (proxy != null) {
                proxy.stop();
                LOG.info("S3 server on {} stopped", storage.endpoint());
            }
        } catch (Exception e) {
            LOG.warn("Error stopping the S3 server: {}", e.toString());
        } finally {
            proxy = null;
            if (context != null) {
                context.close();
                context = null;
            }
        }
    }

    @Override
    public synchronized boolean isHealthy() {
        return proxy != null && storage.reachable();
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>(storage.connectionDetails());
        details.put("data_dir", dir.toString());
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return storage.serviceConfig();
    }
}
