package dev.noexcuses.loader.realtime.consume;

import dev.noexcuses.loader.realtime.document.IndexDocument;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** The documents read since the last flush, and the offsets to commit once they are all acknowledged. */
final class Batch {
    private final List<IndexDocument> documents = new ArrayList<>();
    private final Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
    private long bytes;
    private long firstAddedNanos;

    void add(IndexDocument document) {
        if (documents.isEmpty()) {
            firstAddedNanos = System.nanoTime();
        }
        documents.add(document);
        bytes += document.sizeBytes();
        TopicPartition partition = new TopicPartition(document.origin().topic(), document.origin().partition());
        nextOffsets.put(partition, new OffsetAndMetadata(document.origin().offset() + 1));
    }

    boolean isEmpty() {
        return documents.isEmpty();
    }

    int size() {
        return documents.size();
    }

    boolean full(int maxDocuments, long maxBytes) {
        return documents.size() >= maxDocuments || bytes >= maxBytes;
    }

    /** Nanoseconds until the oldest document has waited {@code flushIntervalNanos}; 0 when due, MAX when empty. */
    long nanosUntilDue(long flushIntervalNanos) {
        if (documents.isEmpty()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, firstAddedNanos + flushIntervalNanos - System.nanoTime());
    }

    List<IndexDocument> documents() {
        return List.copyOf(documents);
    }

    Map<TopicPartition, OffsetAndMetadata> nextOffsets() {
        return Map.copyOf(nextOffsets);
    }

    /** Drops what came from partitions this instance no longer owns: their new owner reads them again. */
    void forget(Collection<TopicPartition> partitions) {
        documents.removeIf(d -> partitions.contains(new TopicPartition(d.origin().topic(), d.origin().partition())));
        partitions.forEach(nextOffsets::remove);
        bytes = documents.stream().mapToLong(IndexDocument::sizeBytes).sum();
    }

    void clear() {
        documents.clear();
        nextOffsets.clear();
        bytes = 0;
    }
}
