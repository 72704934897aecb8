package dev.noexcuses.collector.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
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
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.Event;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: one JSON event, a JSON array of events, or a protobuf {@code EventBatch}.
 * Answers per event how many were accepted and why the others were rejected; every rejected event
 * and every unreadable request is recorded in {@code events.raw.dlq} before the answer is sent.
 */
public final class EventsHttpService implements HttpService {
    private static final Logger LOG = LoggerFactory.getLogger(EventsHttpService.class);
    private static final MediaType PROTOBUF = MediaType.parse("application/x-protobuf");
    private static final String TRANSPORT = "rest";

    private final CollectorConfig config;
    private final WriteKeyAuthenticator authenticator;
    private final ClientIpResolver ipResolver;
    private final EventIntake intake;
    private final CollectorMetrics metrics;

    public EventsHttpService(CollectorConfig config, WriteKeyAuthenticator authenticator, ClientIpResolver ipResolver,
                             EventIntake intake, CollectorMetrics metrics) {
        this.config = requireNonNull(config, "config is null");
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
        this.ipResolver = requireNonNull(ipResolver, "ipResolver is null");
        this.intake = requireNonNull(intake, "intake is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        Instant receivedAt = Instant.now();
        String clientIp = ipResolver.resolve(ctx.remoteAddress().getAddress(),
                req.headers().get(HttpHeaderNames.X_FORWARDED_FOR));
        String userAgent = req.headers().get(HttpHeaderNames.USER_AGENT);
        String writeKey = req.headers().get(WriteKeyAuthenticator.HEADER);
        MediaType contentType = req.contentType();
        return HttpResponse.of(BoundedBody.read(req, config.maxBodyBytes()).thenApplyAsync(body -> {
            Optional<Set<String>> sources = authenticator.authenticate(writeKey);
            RequestInfo info = new RequestInfo(ctx.id().text(), receivedAt, clientIp, userAgent, TRANSPORT,
                    sources.orElse(Set.of()));
            return handle(info, sources.isPresent(), writeKey, contentType, body);
        }, ctx.blockingTaskExecutor()).exceptionally(t -> {
            LOG.warn("Request {} failed while reading its body: {}", ctx.id(), t.toString());
            return error(HttpStatus.BAD_REQUEST, ctx.id().text(), "could not read the request body: " + t.getMessage());
        }));
    }

    private HttpResponse handle(RequestInfo info, boolean authenticated, String writeKey, MediaType contentType,
                                BoundedBody body) {
        String requestId = info.requestId();
        try {
            if (!authenticated) {
                metrics.authFailure();
                String reason = writeKey == null || writeKey.isBlank() ? "missing write key (header X-Write-Key)"
                        : "unknown write key";
                recordAuthFailure(reason, writeKey, body, info);
                return error(HttpStatus.UNAUTHORIZED, requestId, reason);
            }
            boolean json = contentType != null && contentType.isJson();
            boolean protobuf = contentType != null && (contentType.is(PROTOBUF)
                    || contentType.is(MediaType.PROTOBUF) || contentType.is(MediaType.X_PROTOBUF));
            if (!json && !protobuf) {
                String message = "unsupported content type '" + contentType
                        + "': send application/json or application/x-protobuf";
                intake.rejectRequest(FailureType.PAYLOAD_FORMAT, message, body.bytes(), info,
                        Map.of("content_type", String.valueOf(contentType)));
                return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, requestId, message);
            }
            if (body.oversized()) {
                String message = "request body exceeds the limit of " + config.maxBodyBytes() + " bytes";
                intake.rejectRequest(FailureType.SIZE, message, body.bytes(), protobuf, info,
                        Map.of("bytes_received_before_stop", String.valueOf(body.bytesSeen())));
                return error(HttpStatus.REQUEST_ENTITY_TOO_LARGE, requestId, message);
            }
            List<IncomingEvent> events;
            try {
                events = json ? parseJson(body.bytes()) : parseProtobuf(body.bytes());
            } catch (MalformedPayloadException e) {
                intake.rejectRequest(FailureType.PAYLOAD_FORMAT, e.getMessage(), body.bytes(), protobuf, info,
                        Map.of("content_type", String.valueOf(contentType)));
                return error(HttpStatus.BAD_REQUEST, requestId, e.getMessage());
            }
            IntakeResult result = intake.accept(events, info);
            HttpStatus status = result.accepted() == 0 && !result.rejected().isEmpty() ? HttpStatus.BAD_REQUEST
                    : HttpStatus.OK;
            return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(result));
        } catch (SinkUnavailableException e) {
            long retryAfter = Math.max(1, config.retryAfter().toSeconds());
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
                    .contentType(MediaType.JSON_UTF_8)
                    .set(HttpHeaderNames.RETRY_AFTER, String.valueOf(retryAfter)).build(),
                    com.linecorp.armeria.common.HttpData.wrap(Json.toBytes(Map.of("request_id", requestId,
                            "error", "events could not be stored now, retry later: " + e.getMessage()))));
        }
    }

    private void recordAuthFailure(String reason, String writeKey, BoundedBody body, RequestInfo info) {
        if (!config.recordAuthFailures()) {
            return;
        }
        try {
            intake.rejectRequest(FailureType.AUTH, reason, body.bytes(), info,
                    Map.of("write_key", WriteKeyAuthenticator.fingerprint(writeKey)));
        } catch (SinkUnavailableException e) {
            // The request is refused either way; an unrecorded auth failure is still counted.
            LOG.warn("Could not record auth failure of request {}: {}", info.requestId(), e.getMessage());
        }
    }

    /** One event (an object) or an array of them; each keeps its original bytes. */
    static List<IncomingEvent> parseJson(byte[] body) throws MalformedPayloadException {
        try (JsonParser parser = Json.mapper().getFactory().createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new MalformedPayloadException("empty body: send a JSON event or an array of events");
            }
            List<IncomingEvent> events = new ArrayList<>();
            if (first == JsonToken.START_ARRAY) {
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    int from = (int) parser.currentTokenLocation().getByteOffset();
                    JsonNode node = Json.mapper().readTree(parser);
                    int to = (int) parser.currentLocation().getByteOffset();
                    events.add(new IncomingEvent(node, () -> Arrays.copyOfRange(body, from, to), true));
                }
                if (events.isEmpty()) {
                    throw new MalformedPayloadException("empty array: send at least one event");
                }
            } else {
                JsonNode node = Json.mapper().readTree(parser);
                events.add(new IncomingEvent(node, () -> body, true));
            }
            if (parser.nextToken() != null) {
                throw new MalformedPayloadException("malformed JSON: unexpected content after the "
                        + (first == JsonToken.START_ARRAY ? "array" : "event") + " at byte "
                        + parser.currentTokenLocation().getByteOffset());
            }
            return events;
        } catch (IOException e) {
            if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
                throw new MalformedPayloadException("malformed JSON: " + jpe.getOriginalMessage() + " at byte "
                        + jpe.getLocation().getByteOffset());
            }
            throw new MalformedPayloadException("malformed JSON: " + e.getMessage());
        }
    }

    static List<IncomingEvent> parseProtobuf(byte[] body) throws MalformedPayloadException {
        EventBatch batch;
        try {
            batch = EventBatch.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedPayloadException("malformed protobuf EventBatch: " + e.getMessage());
        }
        if (batch.getEventsCount() == 0) {
            throw new MalformedPayloadException("empty EventBatch: send at least one event");
        }
        List<IncomingEvent> events = new ArrayList<>(batch.getEventsCount());
        for (Event event : batch.getEventsList()) {
            events.add(new IncomingEvent(ProtoJson.toJson(event), event::toByteArray, false));
        }
        return events;
    }

    static HttpResponse error(HttpStatus status, String requestId, String message) {
        ObjectNode body = Json.mapper().createObjectNode().put("request_id", requestId).put("error", message);
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    static final class MalformedPayloadException extends Exception {
        MalformedPayloadException(String message) {
            super(message);
        }
    }

}
