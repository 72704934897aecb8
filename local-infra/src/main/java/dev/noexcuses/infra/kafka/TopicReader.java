package dev.noexcuses.infra.kafka;

import com.typesafe.config.Config;
import dev.noexcuses.common.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from the beginning without joining a consumer group: for tests, the demo's counts
 * and reconciliation. Stops when the wanted number of matching records is reached, or when the end
 * of every partition (as of the call) is reached and {@code timeout} has passed.
 */
public final class TopicReader {
    private TopicReader() {}

    /** Every record of {@code topic} up to its current end. */
    public static List<ConsumerRecord<String, byte[]>> readToEnd(Config config, String topic, Duration timeout) {
        return read(config, topic, r -> true, Integer.MAX_VALUE, timeout, true);
    }

    /**
     * Records matching {@code filter}: waits up to {@code timeout} for {@code wanted} of them, and
     * keeps reading to the end of the topic after that so extra (duplicate) records are seen too.
     */
    public static List<ConsumerRecord<String, byte[]>> awaitMatching(Config config, String topic,
            Predicate<ConsumerRecord<String, byte[]>> filter, int wanted, Duration timeout) {
        return read(config, topic, filter, wanted, timeout, false);
    }

    private static List<ConsumerRecord<String, byte[]>> read(Config config, String topic,
            Predicate<ConsumerRecord<String, byte[]>> filter, int wanted, Duration timeout, boolean stopAtEnd) {
        Properties props = KafkaClients.consumer(config, "reader-" + UUID.randomUUID());
        props.put("isolation.level", "read_committed");
        props.put("max.poll.records", "5000");
        List<ConsumerRecord<String, byte[]>> matched = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(r)) {
                        matched.add(r);
                    }
                }
                boolean atEnd = atEnd(consumer, partitions);
                if (atEnd && (stopAtEnd || matched.size() >= wanted)) {
                    break;
                }
            }
        }
        return matched;
    }

    private static boolean atEnd(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
        var ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp, Duration.ofSeconds(10)) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }
}
