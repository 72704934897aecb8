package dev.noexcuses.console.rollouts;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.console.web.JsonResponses;
import dev.noexcuses.console.web.ServiceProxy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The Rollouts page's data, from the serving gateway's control API (as {@code ./platform rollout}
 * reads it): models with their live traffic split, rollouts with the analysis of each step, and the
 * operator's commands.
 */
public final class RolloutsPageApi {
    private static final Set<String> COMMANDS = Set.of("promote", "pause", "resume", "abort", "rollback");

    private final ServiceProxy gateway;

    /** @param gateway the serving gateway's control API */
    public RolloutsPageApi(ServiceProxy gateway) {
        this.gateway = gateway;
    }

    @Get("/api/serving/models")
    public HttpResponse models() {
        return gateway.forward("GET", "/api/models", null);
    }

    @Get("/api/serving/rollouts")
    public HttpResponse rollouts(@Param("model") @Default("") String model, @Param("limit") @Default("50") int limit) {
        return gateway.forward("GET", "/api/rollouts?limit=" + limit
                + (model.isBlank() ? "" : "&model=" + URLEncoder.encode(model, StandardCharsets.UTF_8)), null);
    }

    @Post("/api/serving/models/{model}/{command}")
    public HttpResponse command(@Param("model") String model, @Param("command") String command) {
        if (!COMMANDS.contains(command)) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, "Unknown command '" + command + "': expected " + COMMANDS);
        }
        return gateway.forward("POST", "/api/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "/rollout/" + command, null);
    }

}
