package dev.noexcuses.infra.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.SharedLocalInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TopicSetupTest {

    @Test
    void everyPartitionOfANewTopicHasTakenAProduceBeforeServicesGetItAndConsumersReadNothingOfIt() throws Exception {
        var config = SharedLocalInfra.serviceConfig(Map.of("kafka.topics.partitions", "3"));
        String topic = "probe-" + UUID.randomUUID();

        assertThat(TopicSetup.ensureTopics(config, List.of(topic))).containsExactly(topic);
        // Created again: nothing to do.
        assertThat(TopicSetup.ensureTopics(config, List.of(topic))).isEmpty();

        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                new TopicPartition(topic, 2));
        try (var consumer = new KafkaConsumer<String, byte[]>(KafkaClients.consumer(config, "probe-check"))) {
            // A write reached each partition's leader...
            assertThat(consumer.endOffsets(partitions, Duration.ofSeconds(10)).values()).allSatisfy(
                    end -> assertThat(end).isPositive());
            // ...and left no record a platform consumer (read_committed) sees.
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<Object> seen = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                consumer.poll(Duration.ofMillis(500)).forEach(seen::add);
            }
            assertThat(seen).isEmpty();
        }
    }
}
