package dev.noexcuses.collector.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import dev.noexcuses.common.json.Json;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The collector's error answers, for REST ({@code {"request_id", "error"}}) and for gRPC (trailers only). */
public final class Answers {
    private Answers() {}

    public static boolean isGrpc(MediaType type) {
        return type != null && "application".equals(type.type()) && type.subtype().startsWith("grpc");
    }

    public static HttpResponse error(HttpStatus status, String requestId, String message) {
        ObjectNode body = Json.mapper().createObjectNode().put("request_id", requestId).put("error", message);
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(body));
    }

    public static HttpResponse unavailable(String requestId, Duration retryAfter, String message) {
        long seconds = Math.max(1, retryAfter.toSeconds());
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SERVICE_UNAVAILABLE)
                        .contentType(MediaType.JSON_UTF_8)
                        .set(HttpHeaderNames.RETRY_AFTER, String.valueOf(seconds)).build(),
                HttpData.wrap(Json.toBytes(Map.of("request_id", requestId,
                        "error", "events could not be stored now, retry later: " + message))));
    }

    /**
     * A gRPC error answered before the gRPC service saw the call (by a decorator): a trailers-only
     * response, which every gRPC client reads as the call's status.
     */
    public static HttpResponse grpcError(Status.Code code, String message) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(MediaType.parse("application/grpc+proto"))
                .set("grpc-status", String.valueOf(code.value()))
                .set("grpc-message", percentEncode(message))
                .build());
    }

    /** grpc-message is percent-encoded outside printable ASCII (and '%' itself), per the gRPC HTTP/2 spec. */
    private static String percentEncode(String message) {
        StringBuilder out = new StringBuilder();
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
