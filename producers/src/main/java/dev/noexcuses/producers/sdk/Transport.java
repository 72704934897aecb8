package dev.noexcuses.producers.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** How a batch reaches the collector: REST (JSON or protobuf body) or gRPC. */
public interface Transport extends AutoCloseable {
    SendResult send(List<ObjectNode> events) throws TransportException;

    @Override
    void close();
}
