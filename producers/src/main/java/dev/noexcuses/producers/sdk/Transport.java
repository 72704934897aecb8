package dev.noexcuses.producers.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** How a batch reaches the collector: REST (JSON or protobuf body) or gRPC. */
public interface Transport extends AutoCloseable {
    /** Sends {@code events} in one request, on behalf of {@code endUser} when it is not null. */
    SendResult send(List<ObjectNode> events, EndUser endUser) throws TransportException;

    @Override
    void close();
}
