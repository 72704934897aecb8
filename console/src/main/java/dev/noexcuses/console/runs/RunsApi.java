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
                .put("message", orchestratorUrl.isBlank()
                        ? "No orchestrator in this platform yet: DAGs, runs and their task graphs show here once "
                        + "./platform up runs the scheduler (console.orchestrator.url)."
                        : "The orchestrator at " + orchestratorUrl + " is configured, but this console does not read it yet."));
    }
}
