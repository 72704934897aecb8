package dev.noexcuses.console.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.console.auth.AccessControl;
import dev.noexcuses.console.web.ServiceProxy;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The Alerts page's data, from the alerting service's JSON API (as a script would read it): rules,
 * alerts, silences, history; silencing and acknowledging in the name of the logged-in user.
 */
public final class AlertsPageApi {
    private final ServiceProxy alerting;

    /** @param alerting the alerting service's JSON API */
    public AlertsPageApi(ServiceProxy alerting) {
        this.alerting = alerting;
    }

    @Get("/api/alerts")
    public HttpResponse overview() {
        return alerting.forward("GET", "/api/alerts", null);
    }

    @Get("/api/alerts/history")
    public HttpResponse history(@Param("rule") @Default("") String rule, @Param("limit") @Default("100") int limit) {
        return alerting.forward("GET", "/api/alerts/history?limit=" + limit + "&rule=" + URLEncoder.encode(rule, StandardCharsets.UTF_8),
                null);
    }

    @Post("/api/alerts/silence")
    public HttpResponse silence(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        return alerting.forward("POST", "/api/alerts/silence", asUser(ctx, request));
    }

    @Post("/api/alerts/acknowledge")
    public HttpResponse acknowledge(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        return alerting.forward("POST", "/api/alerts/acknowledge", asUser(ctx, request));
    }

    /** The request's JSON with {@code by} set to the logged-in user, whatever the page sent. */
    private static String asUser(ServiceRequestContext ctx, AggregatedHttpRequest request) throws IOException {
        JsonNode body = Json.mapper().readTree(request.contentUtf8());
        ObjectNode out = body instanceof ObjectNode o ? o : Json.mapper().createObjectNode();
        out.put("by", AccessControl.session(ctx).user());
        return out.toString();
    }

}
