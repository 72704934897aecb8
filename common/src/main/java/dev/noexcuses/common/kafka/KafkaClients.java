package dev.noexcuses.common.kafka;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.util.Map;
import java.util.Properties;

/**
 * Client properties for the configured Kafka cluster: {@code kafka.bootstrap-servers} and any
 * extra client settings under {@code kafka.client} (security protocol, SASL, TLS).
 */
public final class KafkaClients {
    private KafkaClients() {}

    public static String bootstrapServers(Config config) {
        String servers = config.getString("kafka.bootstrap-servers");
        if (servers.isBlank()) {
            throw new IllegalStateException(
                    "kafka.bootstrap-servers is not set: start the embedded broker (./platform up) or configure a cluster");
        }
        return servers;
    }

    /** Common settings for every client: bootstrap servers plus {@code kafka.client.*}. */
    public static Properties base(Config config) {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers(config));
        if (config.hasPath("kafka.client")) {
            for (Map.Entry<String, ConfigValue> e : config.getConfig("kafka.client").entrySet()) {
                props.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
            }
        }
        return props;
    }

    /**
     * A producer that never loses an acknowledged record: acks=all, idempotent, and a bounded
     * time to block or deliver so callers can answer "unavailable" instead of hanging.
     */
    public static Properties reliableProducer(Config config, String clientId, long deliveryTimeoutMs) {
        Properties props = base(config);
        props.put("client.id", clientId);
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("max.in.flight.requests.per.connection", "5");
        props.put("linger.ms", "5");
        props.put("batch.size", String.valueOf(256 * 1024));
        props.put("compression.type", "lz4");
        props.put("request.timeout.ms", String.valueOf(Math.max(1000, deliveryTimeoutMs - 500)));
        props.put("delivery.timeout.ms", String.valueOf(deliveryTimeoutMs));
        props.put("max.block.ms", String.valueOf(Math.min(deliveryTimeoutMs, 3000)));
        props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        return props;
    }

    public static Properties consumer(Config config, String groupId) {
        Properties props = base(config);
        props.put("group.id", groupId);
        props.put("enable.auto.commit", "false");
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        props.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        return props;
    }
}
