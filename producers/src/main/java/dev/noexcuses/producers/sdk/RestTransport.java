package dev.noexcuses.producers.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/events} with a JSON array or a protobuf {@code EventBatch}. */
final class RestTransport implements Transport {
    /** Smaller bodies go uncompressed: gzip's header and the work cost more than they save. */
    private static final int COMPRESS_ABOVE_BYTES = 1024;

    private final WebClient client;
    private final String writeKey;
    private final boolean protobuf;
    private final boolean compress;
    private final ClientFactory factory;

    RestTransport(ClientFactory factory, URI endpoint, String writeKey, boolean protobuf, boolean compress,
                  Duration timeout) {
        this.factory = factory;
        this.client = WebClient.builder(endpoint).factory(factory).responseTimeout(timeout)
                .maxResponseLength(16 * 1024 * 1024).build();
        this.writeKey = writeKey;
        this.protobuf = protobuf;
        this.compress = compress;
    }

    @Override
    public SendResult send(List<ObjectNode> events, EndUser endUser) throws TransportException {
        byte[] body;
        MediaType type;
        if (protobuf) {
            EventBatch.Builder batch = EventBatch.newBuilder();
            events.forEach(e -> batch.addEvents(ProtoJson.fromJson(e)));
            body = batch.build().toByteArray();
            type = MediaType.parse("application/x-protobuf");
        } else {
            ArrayNode array = Json.mapper().createArrayNode();
            events.forEach(array::add);
            body = Json.toBytes(array);
            type = MediaType.JSON_UTF_8;
        }
        RequestHeadersBuilder headers = RequestHeaders.builder(HttpMethod.POST, "/v1/events")
                .contentType(type).set("x-write-key", writeKey);
        if (endUser != null) {
            headers.set(HttpHeaderNames.X_FORWARDED_FOR, endUser.address())
                    .set(HttpHeaderNames.USER_AGENT, endUser.userAgent());
        }
        if (compress && body.length > COMPRESS_ABOVE_BYTES) {
            body = gzip(body);
            headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
        }
        AggregatedHttpResponse response;
        try {
            response = client.execute(HttpRequest.of(headers.build(), com.linecorp.armeria.common.HttpData.wrap(body)))
                    .aggregate().join();
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new TransportException("cannot reach the collector: " + cause, true, -1, cause);
        }
        int status = response.status().code();
        if (status == 200 || status == 400 && isIntakeAnswer(response)) {
            return parse(response.content().array());
        }
        String message = "collector answered " + status + ": " + response.contentUtf8();
        boolean retryable = status == 429 || status >= 500;
        throw new TransportException(message, retryable, status, null);
    }

    private static byte[] gzip(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static boolean isIntakeAnswer(AggregatedHttpResponse response) {
        return response.contentUtf8().contains("\"accepted\"");
    }

    static SendResult parse(byte[] json) throws TransportException {
        try {
            JsonNode node = Json.mapper().readTree(json);
            List<SendResult.Rejected> rejected = new ArrayList<>();
            for (JsonNode r : node.path("rejected")) {
                List<String> reasons = new ArrayList<>();
                r.path("reasons").forEach(x -> reasons.add(x.asText()));
                rejected.add(new SendResult.Rejected(r.path("index").asInt(),
                        r.hasNonNull("event_id") ? r.get("event_id").asText() : null, reasons));
            }
            return new SendResult(node.path("accepted").asInt(), rejected);
        } catch (IOException e) {
            throw new TransportException("unreadable collector answer: " + e.getMessage(), false, 200, e);
        }
    }

    @Override
    public void close() {
        factory.close();
    }
}
