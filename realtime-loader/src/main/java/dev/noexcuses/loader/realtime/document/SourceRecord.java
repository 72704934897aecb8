package dev.noexcuses.loader.realtime.document;

import static java.util.Objects.requireNonNull;

/** The Kafka record a document was made from. */
public record SourceRecord(String topic, int partition, long offset, long timestampMs, byte[] value) {
    public SourceRecord {
        requireNonNull(topic, "topic is null");
        value = value == null ? new byte[0] : value;
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
