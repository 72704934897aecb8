package dev.noexcuses.enrichment;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/** The validated {@code enrichment-api.*} settings. */
record EnrichmentApiSettings(String host, int port, String catalogue, Path schemasDirectory, int maxRequestBytes,
                             Duration requestTimeout, Duration gracefulShutdown, String tlsCertFile,
                             String tlsKeyFile) {

    EnrichmentApiSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Invalid enrichment-api.port: " + port + " (expected 0..65535)");
        }
        if (tlsCertFile.isBlank() != tlsKeyFile.isBlank()) {
            throw new IllegalArgumentException("Invalid enrichment-api.tls: cert-file and key-file must be set together");
        }
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("Invalid enrichment-api.max-request-bytes: " + maxRequestBytes
                    + " (expected > 0)");
        }
    }

    static EnrichmentApiSettings from(Config config) {
        Config c = config.getConfig("enrichment-api");
        return new EnrichmentApiSettings(
                c.getString("host"),
                c.getInt("port"),
                c.getString("catalogue"),
                Path.of(c.getString("schemas-directory")),
                c.getInt("max-request-bytes"),
                c.getDuration("request-timeout"),
                c.getDuration("graceful-shutdown"),
                c.getString("tls.cert-file"),
                c.getString("tls.key-file"));
    }

    boolean tls() {
        return !tlsCertFile.isBlank();
    }
}
