package dev.noexcuses.infra.kafka;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;

/** Kafka: the configured cluster ({@code kafka.bootstrap-servers}), else an embedded KRaft broker. */
public final class KafkaFactory implements ComponentFactory {
    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        String external = config.getString("kafka.bootstrap-servers");
        if (!external.isBlank()) {
            return new ExternalKafka(external);
        }
        return new EmbeddedKafka(dataDir.resolve("kafka"), config.getString("local-infra.host"),
                ports.port("local-infra.kafka.port"), ports.port("local-infra.kafka.controller-port"),
                config.getInt("kafka.topics.partitions"));
    }
}
