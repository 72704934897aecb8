package dev.noexcuses.collector.grpc;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.collector.auth.AuthenticatedRequest;
import dev.noexcuses.collector.http.Answers;
import dev.noexcuses.collector.http.BoundedBody;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.EventPayloads;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.MalformedPayloadException;
import io.grpc.Status;
import io.netty.util.AttributeKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Reads a gRPC call's body before the gRPC service does, so what the service would refuse without
 * a trace (an oversized message, a malformed frame or message, an empty batch) leaves a failed-event
 * record, as on REST. The events of a good call are handed to {@link CollectorGrpcService} with
 * their bytes as received.
 */
public final class GrpcBodyCheck implements DecoratingHttpServiceFunction {
    private static final AttributeKey<List<IncomingEvent>> EVENTS = AttributeKey.valueOf(GrpcBodyCheck.class, "events");
    private static final int FRAME_HEADER = 5;

    private final EventIntake intake;
    private final int maxBodyBytes;

    public GrpcBodyCheck(EventIntake intake, int maxBodyBytes) {
        this.intake = requireNonNull(intake, "intake is null");
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The events of the call, parsed from its body as received; null for a compressed message. */
    static List<IncomingEvent> checkedEvents(ServiceRequestContext ctx) {
        return ctx.attr(EVENTS);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) {
        AuthenticatedRequest auth = AuthenticatedRequest.of(ctx);
        RequestInfo info = new RequestInfo(ctx.id().text(), Instant.now(), auth.clientIp(),
                req.headers().get(HttpHeaderNames.USER_AGENT), CollectorGrpcService.TRANSPORT, auth.sources(),
                auth.keyFingerprint());
        CompletableFuture<HttpResponse> answer = BoundedBody.read(req, maxBodyBytes + FRAME_HEADER).thenCompose(body -> {
            if (body.oversized()) {
                String message = "message of at least " + (body.bytesSeen() - FRAME_HEADER)
                        + " bytes exceeds the limit of " + maxBodyBytes + " bytes";
                return refuse(FailureType.SIZE, Status.Code.RESOURCE_EXHAUSTED, message, body.bytes(), info,
                        Map.of("bytes_received_before_stop", String.valueOf(body.bytesSeen())));
            }
            byte[] frame = body.bytes();
            String frameError = frameError(frame);
            if (frameError != null) {
                return refuse(FailureType.PAYLOAD_FORMAT, Status.Code.INVALID_ARGUMENT, frameError, frame, info,
                        Map.of("grpc_frame", "malformed"));
            }
            if (frame[0] != 0) {
                // A message compressed with the call's grpc-encoding: the gRPC service decodes it.
                return CompletableFuture.completedFuture(serveWith(delegate, ctx, req, frame, null));
            }
            byte[] message = Arrays.copyOfRange(frame, FRAME_HEADER, frame.length);
            try {
                List<IncomingEvent> events = EventPayloads.parseProtobufBatch(message);
                return CompletableFuture.completedFuture(serveWith(delegate, ctx, req, frame, events));
            } catch (MalformedPayloadException e) {
                return refuse(FailureType.PAYLOAD_FORMAT, Status.Code.INVALID_ARGUMENT, e.getMessage(), message, info,
                        Map.of());
            }
        });
        return HttpResponse.of(answer);
    }

    private HttpResponse serveWith(HttpService delegate, ServiceRequestContext ctx, HttpRequest original,
                                   byte[] frame, List<IncomingEvent> events) {
        if (events != null) {
            ctx.setAttr(EVENTS, events);
        }
        HttpRequest replay = HttpRequest.of(original.headers(), HttpData.wrap(frame));
        ctx.updateRequest(replay);
        try {
            return delegate.serve(ctx, replay);
        } catch (Exception e) {
            return HttpResponse.ofFailure(e);
        }
    }

    private CompletableFuture<HttpResponse> refuse(FailureType type, Status.Code code, String message, byte[] payload,
                                                   RequestInfo info, Map<String, String> context) {
        return intake.rejectRequest(type, message, payload, true, info, context)
                .handle((recorded, failure) -> failure == null ? Answers.grpcError(code, message)
                        : Answers.grpcError(Status.Code.UNAVAILABLE,
                                "events could not be stored now, retry later: " + failure.getMessage()));
    }

    /** Why {@code body} is not exactly one length-prefixed gRPC message; null when it is. */
    private static String frameError(byte[] body) {
        if (body.length < FRAME_HEADER) {
            return "malformed gRPC frame: " + body.length + " bytes, shorter than the 5-byte frame header";
        }
        int flag = body[0];
        long length = ((body[1] & 0xffL) << 24) | ((body[2] & 0xff) << 16) | ((body[3] & 0xff) << 8) | (body[4] & 0xff);
        if (flag != 0 && flag != 1) {
            return "malformed gRPC frame: compression flag " + flag + " (expected 0 or 1)";
        }
        if (length != body.length - FRAME_HEADER) {
            return "malformed gRPC frame: header announces " + length + " bytes, the call carried "
                    + (body.length - FRAME_HEADER);
        }
        return null;
    }
}
