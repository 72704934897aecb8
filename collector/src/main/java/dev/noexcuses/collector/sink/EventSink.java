package dev.noexcuses.collector.sink;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Where the collector's records go; returns only when all of them are durably stored. */
public interface EventSink extends AutoCloseable {
    void writeAll(List<ProducerRecord<String, byte[]>> records) throws SinkUnavailableException;

    /** Whether the sink can take records now (readiness). */
    boolean isReady();

    @Override
    void close();
}
