package dev.noexcuses.collector;

import com.typesafe.config.Config;
import dev.noexcuses.common.intake.TopLevelLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The collector's settings, read from the {@code collector} block and validated. Write keys are
 * not here: they are reloaded while the collector runs (see {@code auth/WriteKeyCheck}).
 */
public record CollectorConfig(
        int port,
        int eventLoops,
        Optional<Tls> tls,
        String adminHost,
        int adminPort,
        int maxBodyBytes,
        TopLevelLimits limits,
        List<String> trustedProxies,
        Duration kafkaTimeout,
        Duration kafkaLinger,
        String kafkaCompression,
        Duration retryAfter,
        int failedPayloadKeepBytes,
        boolean recordAuthFailures,
        int authFailureBurst,
        double authFailuresPerSecond,
        List<String> corsAllowedOrigins) {

    /** Kafka's producer compression types. */
    private static final List<String> COMPRESSIONS = List.of("none", "gzip", "snappy", "lz4", "zstd");

    /** The server certificate chain and private key, both PEM files. */
    public record Tls(Path certFile, Path keyFile) {}

    public CollectorConfig {
        check(port >= 0 && port <= 65535, "collector.port must be 0..65535, was %s", port);
        check(eventLoops >= 0, "collector.event-loops must be 0 (Armeria's default) or positive, was %s", eventLoops);
        check(adminPort >= -1 && adminPort <= 65535, "collector.admin.port must be -1..65535, was %s", adminPort);
        check(maxBodyBytes > 0, "collector.max-body-bytes must be positive, was %s", maxBodyBytes);
        check(!kafkaTimeout.isNegative() && !kafkaTimeout.isZero(), "collector.kafka-timeout must be positive");
        check(COMPRESSIONS.contains(kafkaCompression), "collector.kafka-compression must be one of %s, was %s",
                COMPRESSIONS, kafkaCompression);
        check(failedPayloadKeepBytes > 0, "collector.failed-payload-keep-bytes must be positive, was %s",
                failedPayloadKeepBytes);
        check(authFailureBurst >= 0, "collector.auth-failure-records.burst must not be negative");
        check(authFailuresPerSecond >= 0, "collector.auth-failure-records.per-second must not be negative");
        trustedProxies = List.copyOf(trustedProxies);
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
    }

    public static CollectorConfig from(Config root) {
        Config c = root.getConfig("collector");
        String certFile = c.getString("tls.cert-file").trim();
        String keyFile = c.getString("tls.key-file").trim();
        check(certFile.isEmpty() == keyFile.isEmpty(),
                "collector.tls.cert-file and collector.tls.key-file must be set together (or both left empty)");
        Optional<Tls> tls = certFile.isEmpty() ? Optional.empty() : Optional.of(new Tls(Path.of(certFile), Path.of(keyFile)));
        return new CollectorConfig(
                c.getInt("port"),
                c.getInt("event-loops"),
                tls,
                c.getString("admin.host"),
                c.getInt("admin.port"),
                (int) Math.min(Integer.MAX_VALUE - 1, c.getBytes("max-body-bytes")),
                TopLevelLimits.from(root),
                c.getStringList("trusted-proxies"),
                c.getDuration("kafka-timeout"),
                c.getDuration("kafka-linger"),
                c.getString("kafka-compression"),
                c.getDuration("retry-after"),
                c.getInt("failed-payload-keep-bytes"),
                c.getBoolean("record-auth-failures"),
                c.getInt("auth-failure-records.burst"),
                c.getDouble("auth-failure-records.per-second"),
                c.getStringList("cors-allowed-origins"));
    }

    private static void check(boolean ok, String message, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
