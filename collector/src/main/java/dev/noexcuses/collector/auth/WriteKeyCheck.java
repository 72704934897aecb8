package dev.noexcuses.collector.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.collector.http.BoundedBody;
import dev.noexcuses.collector.http.Answers;
import dev.noexcuses.collector.intake.ClientIpResolver;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.WriteKeys;
import io.grpc.Status;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-key check in front of both transports (REST {@code /v1/events} and gRPC), decided from
 * the headers before any of the body is read. A request with a valid key goes on, carrying its
 * {@link AuthenticatedRequest}. Any other is answered 401 ({@code UNAUTHENTICATED}) after at most
 * {@code failed-payload-keep-bytes} of its body: those bytes, and only those, go into its auth
 * record, and a client earns such records only as fast as its token bucket allows.
 */
public final class WriteKeyCheck implements DecoratingHttpServiceFunction {
    private static final Logger LOG = LoggerFactory.getLogger(WriteKeyCheck.class);
    public static final String HEADER = "x-write-key";
    /** The key in the query string, for clients that cannot set headers (navigator.sendBeacon). */
    public static final String QUERY_PARAMETER = "write_key";

    private final AtomicReference<WriteKeys> keys;
    private final ClientIpResolver ipResolver;
    private final EventIntake intake;
    private final CollectorMetrics metrics;
    private final int keepBytes;
    private final boolean recordFailures;
    private final AuthFailureLimiter limiter;

    public WriteKeyCheck(WriteKeys keys, ClientIpResolver ipResolver, EventIntake intake, CollectorMetrics metrics,
                         int keepBytes, boolean recordFailures, int burst, double perSecond) {
        this.keys = new AtomicReference<>(requireNonNull(keys, "keys is null"));
        this.ipResolver = requireNonNull(ipResolver, "ipResolver is null");
        this.intake = requireNonNull(intake, "intake is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.keepBytes = keepBytes;
        this.recordFailures = recordFailures;
        this.limiter = new AuthFailureLimiter(burst, perSecond, System::nanoTime);
    }

    /** Replaces the valid keys; requests already let through keep the sources they were given. */
    public void replaceKeys(WriteKeys newKeys) {
        keys.set(requireNonNull(newKeys, "newKeys is null"));
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        if (req.method() == HttpMethod.OPTIONS) {
            // The CORS decorator answers the preflights of allowed sites; one that reaches here (any other
            // site, or none configured) gets the methods and no CORS headers, so a browser does not post.
            req.abort();
            return HttpResponse.of(ResponseHeaders.of(HttpStatus.NO_CONTENT, HttpHeaderNames.ALLOW, "POST, OPTIONS"));
        }
        String clientIp = ipResolver.resolve(ctx.remoteAddress().getAddress(),
                req.headers().get(HttpHeaderNames.X_FORWARDED_FOR));
        String presented = req.headers().get(HEADER);
        if (presented == null && !Answers.isGrpc(req.contentType())) {
            // navigator.sendBeacon cannot set headers: browsers leaving a page send the key in the query.
            presented = QueryParams.fromQueryString(ctx.query()).get(QUERY_PARAMETER);
        }
        // One SHA-256 per request gives both the key's sources and its fingerprint.
        WriteKeys.Check check = keys.get().check(presented);
        if (check.sources().isPresent()) {
            new AuthenticatedRequest(check.sources().get(), check.fingerprint(), clientIp).attachTo(ctx);
            return delegate.serve(ctx, req);
        }
        return refuse(ctx, req, presented, check.fingerprint(), clientIp);
    }

    private HttpResponse refuse(ServiceRequestContext ctx, HttpRequest req, String presented, String fingerprint,
                                String clientIp) {
        metrics.authFailure();
        boolean grpc = Answers.isGrpc(req.contentType());
        String reason = presented == null || presented.isBlank()
                ? "missing write key (" + (grpc ? "metadata x-write-key" : "header X-Write-Key") + ")"
                : "unknown write key";
        String requestId = ctx.id().text();
        HttpResponse answer = grpc ? Answers.grpcError(Status.Code.UNAUTHENTICATED, reason)
                : Answers.error(HttpStatus.UNAUTHORIZED, requestId, reason);
        if (!recordFailures) {
            req.abort();
            return answer;
        }
        if (!limiter.tryRecord(clientIp)) {
            metrics.authFailureUnrecorded();
            req.abort();
            return answer;
        }
        RequestInfo info = new RequestInfo(requestId, Instant.now(), clientIp,
                req.headers().get(HttpHeaderNames.USER_AGENT), grpc ? "grpc" : "rest", Set.of(), fingerprint);
        MediaType type = req.contentType();
        boolean binary = type == null || !(type.isJson() || type.is(MediaType.ANY_TEXT_TYPE));
        // One byte more than is kept, so the record can say the body was longer (payload_truncated).
        return HttpResponse.of(BoundedBody.read(req, keepBytes + 1)
                .thenCompose(prefix -> intake.rejectRequest(FailureType.AUTH, reason, prefix.bytes(), binary, info,
                        Map.of()))
                .handle((recorded, failure) -> {
                    if (failure != null) {
                        // Refused either way; an auth failure that could not be recorded is still counted.
                        LOG.warn("Could not record the auth failure of request {}: {}", requestId, failure.toString());
                    }
                    return answer;
                }));
    }
}
