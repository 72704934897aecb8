package dev.noexcuses.console.pipeline;

import java.util.List;

/** A stage that reads topics through a Kafka consumer group: its lag is how far the group is behind. */
public record ConsumerGroup(String stage, String group, List<String> topics) {
    public ConsumerGroup {
        topics = List.copyOf(topics);
    }
}
