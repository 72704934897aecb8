package dev.noexcuses.collector.auth;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import java.util.Set;

/**
 * What {@link WriteKeyCheck} learned about a request it let through: the sources its key may send
 * for, the key's fingerprint (kept in failed-event records so {@code replay-dlq} can look the key up
 * again), and the client's address.
 */
public record AuthenticatedRequest(Set<String> sources, String keyFingerprint, String clientIp) {
    private static final AttributeKey<AuthenticatedRequest> KEY =
            AttributeKey.valueOf(AuthenticatedRequest.class, "authenticated");

    public AuthenticatedRequest {
        sources = Set.copyOf(sources);
    }

    /** The request's authentication; only requests {@link WriteKeyCheck} let through reach the services. */
    public static AuthenticatedRequest of(ServiceRequestContext ctx) {
        AuthenticatedRequest auth = ctx.attr(KEY);
        if (auth == null) {
            throw new IllegalStateException("Request " + ctx.id() + " reached the intake without a write-key check");
        }
        return auth;
    }

    void attachTo(ServiceRequestContext ctx) {
        ctx.setAttr(KEY, this);
    }
}
