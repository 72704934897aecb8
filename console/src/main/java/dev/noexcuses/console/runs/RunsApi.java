package dev.noexcuses.console.runs;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Get;
import dev.noexcuses.console.web.JsonResponses;

/** DAGs and their runs, from the orchestrator's HTTP API when one is configured. */
public final class RunsApi {
    private final String orchestratorUrl;

    public RunsApi(String orchestratorUrl) {
        this.orchestratorUrl = orchestratorUrl == null ? "" : orchestratorUrl;
    }

    @Get("/api/runs")
    public HttpResponse runs() {
        return JsonResponses.ok(JsonResponses.object().put("available", false)
                .put("message", "DAGs, runs, task graphs and logs are not shown here yet: the orchestrator offers "
                        + "no HTTP API for the console to read and trigger runs"
                        + (orchestratorUrl.isBlank() ? "" : " (console.orchestrator.url is " + orchestratorUrl + ")")
                        + "."));
    }
}
