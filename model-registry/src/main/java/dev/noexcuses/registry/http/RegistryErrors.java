package dev.noexcuses.registry.http;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.ExceptionHandlerFunction;
import dev.noexcuses.registry.RegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Refused calls as JSON with their status; anything else is a 500 with its message, logged. */
public final class RegistryErrors implements ExceptionHandlerFunction {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryErrors.class);

    @Override
    public HttpResponse handleException(ServiceRequestContext ctx, HttpRequest req, Throwable cause) {
        if (cause instanceof RegistryException e) {
            return Bodies.error(e.status(), e.errorCode(), e.getMessage());
        }
        if (cause instanceof IllegalArgumentException e) {
            return Bodies.error(400, "INVALID_PARAMETER_VALUE", e.getMessage());
        }
        LOG.warn("{} {} failed", ctx.method(), ctx.path(), cause);
        return Bodies.error(500, "INTERNAL_ERROR", String.valueOf(cause.getMessage()));
    }
}
