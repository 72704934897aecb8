package dev.noexcuses.collector.http;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.collector.CollectorConfig;
import dev.noexcuses.collector.auth.AuthenticatedRequest;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.collector.sink.SinkUnavailableException;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.EventPayloads;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.MalformedPayloadException;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: one JSON event, a JSON array of events, or a protobuf {@code EventBatch},
 * optionally compressed ({@code Content-Encoding: gzip} or {@code zstd}). Answers per event how many
 * were accepted and why the others were rejected; every rejected event and every unreadable request
 * is recorded in {@code events.raw.dlq} before the answer is sent. The answer is sent from Kafka's
 * acknowledgements: no thread waits for them.
 */
public final class EventsHttpService implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(EventsHttpService.class);
    private static final MediaType PROTOBUF = MediaType.parse("application/x-protobuf");
    private static final String TRANSPORT = "rest";

    private final CollectorConfig config;
    private final EventIntake intake;
    private final CollectorMetrics metrics;

    public EventsHttpService(CollectorConfig config, EventIntake intake, CollectorMetrics metrics) {
        this.config = requireNonNull(config, "config is null");
        this.intake = requireNonNull(intake, "intake is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        AuthenticatedRequest auth = AuthenticatedRequest.of(ctx);
        RequestInfo info = new RequestInfo(ctx.id().text(), Instant.now(), auth.clientIp(),
                req.headers().get(HttpHeaderNames.USER_AGENT), TRANSPORT, auth.sources(), auth.keyFingerprint());
        MediaType contentType = req.contentType();
        String encoding = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        // Kafka's acknowledgements complete the intake on the producer's one I/O thread: the answer is
        // built on the request's event loop, so that thread only does Kafka's work.
        Executor loop = ctx.eventLoop();
        CompletableFuture<HttpResponse> answer = BoundedBody.read(req, config.maxBodyBytes())
                .thenCompose(body -> handle(info, contentType, encoding, body, loop))
                .exceptionally(t -> failed(ctx, info, t));
        return HttpResponse.of(answer);
    }

    private CompletableFuture<HttpResponse> handle(RequestInfo info, MediaType contentType, String encoding,
                                                   BoundedBody body, Executor loop) {
        String requestId = info.requestId();
        // text/plain is read as JSON too: navigator.sendBeacon may send only such types cross-origin.
        boolean json = contentType != null && (contentType.isJson() || contentType.is(MediaType.PLAIN_TEXT));
        boolean protobuf = contentType != null && (contentType.is(PROTOBUF)
                || contentType.is(MediaType.PROTOBUF) || contentType.is(MediaType.X_PROTOBUF));
        boolean identity = ContentDecoding.isIdentity(encoding);
        if (!json && !protobuf || !ContentDecoding.isSupported(encoding)) {
            String message = !json && !protobuf
                    ? "unsupported content type '" + contentType + "': send application/json or application/x-protobuf"
                    : "unsupported content encoding '" + encoding + "': send gzip, zstd or identity";
            return intake.rejectRequest(FailureType.PAYLOAD_FORMAT, message, body.bytes(), !identity, info,
                            Map.of("content_type", String.valueOf(contentType),
                                    "content_encoding", String.valueOf(encoding)))
                    .thenApplyAsync(f -> Answers.error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, requestId, message), loop);
        }
        boolean binaryBody = protobuf || !identity;
        if (body.oversized()) {
            return tooLarge(info, body.bytes(), binaryBody, loop, Map.of("bytes_received_before_stop",
                    String.valueOf(body.bytesSeen())));
        }
        byte[] decoded = body.bytes();
        if (!identity) {
            metrics.decompressed(encoding.trim().toLowerCase(java.util.Locale.ROOT));
            try {
                ContentDecoding.Decoded inflated = ContentDecoding.decode(encoding, body.bytes(), config.maxBodyBytes());
                if (inflated.oversized()) {
                    return tooLarge(info, body.bytes(), true, loop, Map.of("content_encoding", encoding,
                            "compressed_bytes", String.valueOf(body.bytes().length)));
                }
                decoded = inflated.bytes();
            } catch (IOException | RuntimeException e) {
                String message = "malformed " + encoding + " body: " + e.getMessage();
                return intake.rejectRequest(FailureType.PAYLOAD_FORMAT, message, body.bytes(), true, info,
                                Map.of("content_encoding", encoding))
                        .thenApplyAsync(f -> Answers.error(HttpStatus.BAD_REQUEST, requestId, message), loop);
            }
        }
        List<IncomingEvent> events;
        try {
            events = json ? EventPayloads.parseJson(decoded) : EventPayloads.parseProtobufBatch(decoded);
        } catch (MalformedPayloadException e) {
            return intake.rejectRequest(FailureType.PAYLOAD_FORMAT, e.getMessage(), decoded, protobuf, info,
                            Map.of("content_type", String.valueOf(contentType)))
                    .thenApplyAsync(f -> Answers.error(HttpStatus.BAD_REQUEST, requestId, e.getMessage()), loop);
        }
        return intake.accept(events, info).thenApplyAsync(result -> {
            HttpStatus status = result.accepted() == 0 && !result.rejected().isEmpty() ? HttpStatus.BAD_REQUEST
                    : HttpStatus.OK;
            return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(result));
        }, loop);
    }

    private CompletableFuture<HttpResponse> tooLarge(RequestInfo info, byte[] firstBytes, boolean binary,
                                                     Executor loop, Map<String, String> context) {
        String message = "request body exceeds the limit of " + config.maxBodyBytes() + " bytes"
                + (context.containsKey("content_encoding") ? " once decompressed" : "");
        // The record keeps only the first failed-payload-keep-bytes of them (marked truncated).
        return intake.rejectRequest(FailureType.SIZE, message, firstBytes, binary, info, context)
                .thenApplyAsync(f -> Answers.error(HttpStatus.REQUEST_ENTITY_TOO_LARGE, info.requestId(), message),
                        loop);
    }

    private HttpResponse failed(ServiceRequestContext ctx, RequestInfo info, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof SinkUnavailableException unavailable) {
            return Answers.unavailable(info.requestId(), config.retryAfter(), unavailable.getMessage());
        }
        LOG.warn("Request {} failed while reading its body: {}", ctx.id(), cause.toString());
        return Answers.error(HttpStatus.BAD_REQUEST, info.requestId(),
                "could not read the request body: " + cause.getMessage());
    }

}
