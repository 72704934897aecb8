package dev.noexcuses.console.models;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.console.web.JsonResponses;
import dev.noexcuses.console.web.ServiceProxy;

/**
 * The Experiments and Models pages' data: reads of the model registry's REST API ({@code /api/registry/X}
 * is the registry's {@code /api/v1/X}), made with the console's own viewer token, as a script would.
 * Read-only: promotions are requested and approved by their users with their own tokens (CLI or API).
 */
public final class RegistryPagesApi implements HttpService {
    public static final String PREFIX = "/api/registry/";

    private final ServiceProxy registry;

    /** @param registry the model registry's REST API, with the console's viewer token */
    public RegistryPagesApi(ServiceProxy registry) {
        this.registry = registry;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (req.method() != HttpMethod.GET) {
            return JsonResponses.error(HttpStatus.METHOD_NOT_ALLOWED, "The console reads the registry only");
        }
        String rest = ctx.path().substring(PREFIX.length());
        String query = ctx.query() == null ? "" : "?" + ctx.query();
        return registry.forward("GET", "/api/v1/" + rest + query, null);
    }
}
