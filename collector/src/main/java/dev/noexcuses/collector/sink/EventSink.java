package dev.noexcuses.collector.sink;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Where the collector's records go. */
public interface EventSink extends AutoCloseable {
    /**
     * Sends the records without waiting; the future completes once every one of them is durably
     * stored, or fails with a {@link SinkUnavailableException} as soon as one cannot be.
     */
    CompletableFuture<Void> writeAll(List<ProducerRecord<String, byte[]>> records);

    /** Whether the sink can take records now (readiness). */
    boolean isReady();

    @Override
    void close();
}
