package dev.noexcuses.console.ab;

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
 * The A/B tests page's data, from the serving gateway's experiments API (as {@code ./platform ab}
 * reads it): experiments, the report of one (arms, samples, effect with interval, p-value and the
 * sequential verdict, guardrails), and stopping one with its winner handed to the rollout.
 */
public final class AbTestsPageApi {
    private static final Set<String> WINNERS = Set.of("auto", "treatment", "control");

    private final ServiceProxy gateway;

    /** @param gateway the serving gateway's control API */
    public AbTestsPageApi(ServiceProxy gateway) {
        this.gateway = gateway;
    }

    @Get("/api/ab/experiments")
    public HttpResponse experiments(@Param("limit") @Default("50") int limit) {
        return gateway.forward("GET", "/api/experiments?limit=" + Math.max(1, Math.min(limit, 500)), null);
    }

    @Get("/api/ab/experiments/{name}/report")
    public HttpResponse report(@Param("name") String name) {
        return gateway.forward("GET", "/api/experiments/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/report", null);
    }

    @Post("/api/ab/experiments/{name}/stop")
    public HttpResponse stop(@Param("name") String name, @Param("winner") @Default("auto") String winner) {
        if (!WINNERS.contains(winner)) {
            return JsonResponses.error(HttpStatus.BAD_REQUEST, "Invalid winner '" + winner + "': expected " + WINNERS);
        }
        return gateway.forward("POST", "/api/experiments/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/stop?winner=" + winner, null);
    }

}
