package dev.noexcuses.collector.grpc;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.collector.auth.AuthenticatedRequest;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.IntakeResult;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.collector.sink.SinkUnavailableException;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.EventPayloads;
import dev.noexcuses.common.intake.MalformedPayloadException;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.Rejection;
import dev.noexcuses.common.proto.SendResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * The gRPC {@code CollectorService}: the same intake as REST, with the write key in the
 * {@code x-write-key} metadata (checked, like the body, by decorators before the call gets here).
 * The answer is sent from Kafka's acknowledgements; no thread waits for them.
 */
public final class CollectorGrpcService extends CollectorServiceGrpc.CollectorServiceImplBase {
    static final String TRANSPORT = "grpc";

    private final EventIntake intake;

    public CollectorGrpcService(EventIntake intake) {
        this.intake = requireNonNull(intake, "intake is null");
    }

    @Override
    public void send(EventBatch batch, StreamObserver<SendResponse> responses) {
        ServiceRequestContext ctx = ServiceRequestContext.current();
        AuthenticatedRequest auth = AuthenticatedRequest.of(ctx);
        RequestInfo info = new RequestInfo(ctx.id().text(), Instant.now(), auth.clientIp(),
                ctx.request().headers().get(HttpHeaderNames.USER_AGENT), TRANSPORT, auth.sources(),
                auth.keyFingerprint());
        List<IncomingEvent> events;
        try {
            // Compressed messages are decoded by the gRPC service only: their events are re-encoded.
            List<IncomingEvent> checked = GrpcBodyCheck.checkedEvents(ctx);
            events = checked != null ? checked : EventPayloads.parseProtobufBatch(batch.toByteArray());
        } catch (MalformedPayloadException e) {
            responses.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        intake.accept(events, info).whenCompleteAsync((result, error) -> {
            if (error == null) {
                responses.onNext(toResponse(result));
                responses.onCompleted();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            Status status = cause instanceof SinkUnavailableException
                    ? Status.UNAVAILABLE.withDescription("events could not be stored now, retry later: " + cause.getMessage())
                    : Status.INTERNAL.withDescription(cause.toString());
            responses.onError(status.asRuntimeException());
        }, ctx.eventLoop());
    }

    private static SendResponse toResponse(IntakeResult result) {
        SendResponse.Builder answer = SendResponse.newBuilder().setAccepted(result.accepted());
        for (IntakeResult.Rejection r : result.rejected()) {
            answer.addRejected(Rejection.newBuilder().setIndex(r.index())
                    .setEventId(r.eventId() == null ? "" : r.eventId()).addAllReasons(r.reasons()));
        }
        return answer.build();
    }
}
