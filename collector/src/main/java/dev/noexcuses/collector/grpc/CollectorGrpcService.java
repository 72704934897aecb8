package dev.noexcuses.collector.grpc;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.collector.CollectorConfig;
import dev.noexcuses.collector.auth.WriteKeyAuthenticator;
import dev.noexcuses.collector.intake.ClientIpResolver;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.IncomingEvent;
import dev.noexcuses.collector.intake.IntakeResult;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.collector.sink.SinkUnavailableException;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.Event;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.Rejection;
import dev.noexcuses.common.proto.SendResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@code CollectorService}: the same intake as REST, with the write key in the
 * {@code x-write-key} metadata. Runs on the blocking executor because it waits for Kafka.
 */
public final class CollectorGrpcService extends CollectorServiceGrpc.CollectorServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(CollectorGrpcService.class);
    private static final String TRANSPORT = "grpc";

    private final CollectorConfig config;
    private final WriteKeyAuthenticator authenticator;
    private final ClientIpResolver ipResolver;
    private final EventIntake intake;
    private final CollectorMetrics metrics;

    public CollectorGrpcService(CollectorConfig config, WriteKeyAuthenticator authenticator,
                                ClientIpResolver ipResolver, EventIntake intake, CollectorMetrics metrics) {
        this.config = requireNonNull(config, "config is null");
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
        this.ipResolver = requireNonNull(ipResolver, "ipResolver is null");
        this.intake = requireNonNull(intake, "intake is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public void send(EventBatch batch, StreamObserver<SendResponse> responses) {
        ServiceRequestContext ctx = ServiceRequestContext.current();
        var headers = ctx.request().headers();
        String writeKey = headers.get(WriteKeyAuthenticator.HEADER);
        Optional<Set<String>> sources = authenticator.authenticate(writeKey);
        RequestInfo info = new RequestInfo(ctx.id().text(), Instant.now(),
                ipResolver.resolve(ctx.remoteAddress().getAddress(), headers.get(HttpHeaderNames.X_FORWARDED_FOR)),
                headers.get(HttpHeaderNames.USER_AGENT), TRANSPORT, sources.orElse(Set.of()));
        try {
            if (sources.isEmpty()) {
                metrics.authFailure();
                String reason = writeKey == null || writeKey.isBlank() ? "missing write key (metadata x-write-key)"
                        : "unknown write key";
                if (config.recordAuthFailures()) {
                    recordQuietly(FailureType.AUTH, reason, batch.toByteArray(), info,
                            Map.of("write_key", WriteKeyAuthenticator.fingerprint(writeKey)));
                }
                responses.onError(Status.UNAUTHENTICATED.withDescription(reason).asRuntimeException());
                return;
            }
            int size = batch.getSerializedSize();
            if (size > config.maxBodyBytes()) {
                String message = "batch of " + size + " bytes exceeds the limit of " + config.maxBodyBytes() + " bytes";
                intake.rejectRequest(FailureType.SIZE, message, batch.toByteArray(), true, info, Map.of());
                responses.onError(Status.RESOURCE_EXHAUSTED.withDescription(message).asRuntimeException());
                return;
            }
            if (batch.getEventsCount() == 0) {
                String message = "empty EventBatch: send at least one event";
                intake.rejectRequest(FailureType.PAYLOAD_FORMAT, message, batch.toByteArray(), true, info, Map.of());
                responses.onError(Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException());
                return;
            }
            List<IncomingEvent> events = new ArrayList<>(batch.getEventsCount());
            for (Event event : batch.getEventsList()) {
                events.add(new IncomingEvent(ProtoJson.toJson(event), event::toByteArray, false));
            }
            IntakeResult result = intake.accept(events, info);
            SendResponse.Builder answer = SendResponse.newBuilder().setAccepted(result.accepted());
            for (IntakeResult.Rejection r : result.rejected()) {
                answer.addRejected(Rejection.newBuilder().setIndex(r.index())
                        .setEventId(r.eventId() == null ? "" : r.eventId()).addAllReasons(r.reasons()));
            }
            responses.onNext(answer.build());
            responses.onCompleted();
        } catch (SinkUnavailableException e) {
            responses.onError(Status.UNAVAILABLE.withDescription("events could not be stored now, retry later: "
                    + e.getMessage()).asRuntimeException());
        }
    }

    private void recordQuietly(FailureType type, String reason, byte[] payload, RequestInfo info,
                               Map<String, String> context) {
        try {
            intake.rejectRequest(type, reason, payload, true, info, context);
        } catch (SinkUnavailableException e) {
            LOG.warn("Could not record {} failure of request {}: {}", type.wireName(), info.requestId(), e.getMessage());
        }
    }
}
