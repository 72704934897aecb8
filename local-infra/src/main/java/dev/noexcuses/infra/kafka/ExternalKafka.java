package dev.noexcuses.infra.kafka;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.util.Map;

/** A Kafka cluster run elsewhere: nothing is started, it is only checked and used. */
public final class ExternalKafka implements InfraComponent {
    private final String bootstrapServers;

    public ExternalKafka(String bootstrapServers) {
        this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers is null");
    }

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public void start() {
        if (!KafkaProbe.reachable(bootstrapServers, 10_000)) {
            throw new IllegalStateException("Configured Kafka cluster at " + bootstrapServers
                    + " is not reachable (kafka.bootstrap-servers)");
        }
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return KafkaProbe.reachable(bootstrapServers, 2000);
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        return Map.of("bootstrap_servers", bootstrapServers);
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("kafka.bootstrap-servers", bootstrapServers);
    }
}
