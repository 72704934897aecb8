package dev.noexcuses.producers.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Clients;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.util.SafeCloseable;
import com.linecorp.armeria.client.grpc.GrpcClients;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.Rejection;
import dev.noexcuses.common.proto.SendResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** The gRPC {@code CollectorService.Send} call, with the write key in metadata. */
final class GrpcTransport implements Transport {
    private final CollectorServiceGrpc.CollectorServiceBlockingStub stub;
    private final ClientFactory factory;

    GrpcTransport(ClientFactory factory, URI endpoint, String writeKey, Duration timeout) {
        this.factory = factory;
        String scheme = "https".equals(endpoint.getScheme()) ? "gproto+https" : "gproto+http";
        URI grpcUri = URI.create(scheme + "://" + endpoint.getAuthority() + "/");
        CollectorServiceGrpc.CollectorServiceBlockingStub stub = GrpcClients.builder(grpcUri).factory(factory)
                .responseTimeout(timeout)
                .addHeader("x-write-key", writeKey)
                .maxRequestMessageLength(64 * 1024 * 1024)
                .build(CollectorServiceGrpc.CollectorServiceBlockingStub.class);
        // Messages go uncompressed: the collector checks and records gRPC messages as received, and
        // compressed ones would only reach it re-encoded. Compress with REST instead.
        this.stub = stub;
    }

    @Override
    public SendResult send(List<ObjectNode> events, EndUser endUser) throws TransportException {
        EventBatch.Builder batch = EventBatch.newBuilder();
        events.forEach(e -> batch.addEvents(ProtoJson.fromJson(e)));
        try {
            SendResponse response;
            if (endUser == null) {
                response = stub.send(batch.build());
            } else {
                try (SafeCloseable ignored = Clients.withHeaders(h -> h
                        .set(HttpHeaderNames.X_FORWARDED_FOR, endUser.address())
                        .set(HttpHeaderNames.USER_AGENT, endUser.userAgent()))) {
                    response = stub.send(batch.build());
                }
            }
            return new SendResult(response.getAccepted(), response.getRejectedList().stream()
                    .map(GrpcTransport::toRejected).toList());
        } catch (StatusRuntimeException e) {
            Status.Code code = e.getStatus().getCode();
            boolean retryable = switch (code) {
                case UNAVAILABLE, INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, ABORTED, RESOURCE_EXHAUSTED -> true;
                default -> false;
            };
            // RESOURCE_EXHAUSTED from our collector means "batch too large": resending cannot help.
            if (code == Status.Code.RESOURCE_EXHAUSTED && e.getStatus().getDescription() != null
                    && e.getStatus().getDescription().contains("exceeds the limit")) {
                retryable = false;
            }
            throw new TransportException("collector answered " + code + ": " + e.getStatus().getDescription(),
                    retryable, code.value(), e);
        } catch (RuntimeException e) {
            throw new TransportException("cannot reach the collector: " + e, true, -1, e);
        }
    }

    private static SendResult.Rejected toRejected(Rejection r) {
        return new SendResult.Rejected(r.getIndex(), r.getEventId().isEmpty() ? null : r.getEventId(),
                r.getReasonsList());
    }

    @Override
    public void close() {
        factory.close();
    }
}
