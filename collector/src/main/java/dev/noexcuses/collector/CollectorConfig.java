package dev.noexcuses.collector;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The collector's settings, read from the {@code collector} block and validated. */
public record CollectorConfig(
        int port,
        int maxBodyBytes,
        Duration maxFutureSkew,
        List<String> trustedProxies,
        Map<String, Set<String>> writeKeys,
        Duration kafkaTimeout,
        Duration kafkaLinger,
        Duration retryAfter,
        int failedPayloadKeepBytes,
        boolean recordAuthFailures,
        List<String> corsAllowedOrigins) {

    public CollectorConfig {
        check(port >= 0 && port <= 65535, "collector.port must be 0..65535, was %s", port);
        check(maxBodyBytes > 0, "collector.max-body-bytes must be positive, was %s", maxBodyBytes);
        check(!kafkaTimeout.isNegative() && !kafkaTimeout.isZero(), "collector.kafka-timeout must be positive");
        check(!writeKeys.isEmpty(), "collector.write-keys must define at least one key");
        trustedProxies = List.copyOf(trustedProxies);
        writeKeys = Map.copyOf(writeKeys);
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
    }

    public static CollectorConfig from(Config root) {
        Config c = root.getConfig("collector");
        Map<String, Set<String>> keys = new LinkedHashMap<>();
        for (Config k : c.getConfigList("write-keys")) {
            String key = k.getString("key");
            check(!key.isBlank(), "collector.write-keys: a key is blank");
            keys.put(key, Set.copyOf(k.getStringList("sources")));
        }
        return new CollectorConfig(
                c.getInt("port"),
                (int) Math.min(Integer.MAX_VALUE - 1, c.getBytes("max-body-bytes")),
                c.getDuration("max-future-skew"),
                c.getStringList("trusted-proxies"),
                keys,
                c.getDuration("kafka-timeout"),
                c.getDuration("kafka-linger"),
                c.getDuration("retry-after"),
                c.getInt("failed-payload-keep-bytes"),
                c.getBoolean("record-auth-failures"),
                c.getStringList("cors-allowed-origins"));
    }

    private static void check(boolean ok, String message, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(message, args));
        }
    }
}
