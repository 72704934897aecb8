package dev.noexcuses.serving.client;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.time.Duration;

/**
 * The serving gateway's control API from another process: what {@code ./platform rollout}, the
 * console and scripts use. Answers are the API's JSON; an error answer becomes an exception with the
 * gateway's message.
 */
public final class ServingClient {
    private final WebClient client;
    private final String token;

    /** @param token the gateway's bearer token ({@code serving.gateway.token}), blank for none */
    public ServingClient(String gatewayUrl, String token) {
        requireNonNull(gatewayUrl, "gatewayUrl is null");
        this.client = WebClient.builder(gatewayUrl).responseTimeout(Duration.ofMinutes(3)).build();
        this.token = token == null ? "" : token;
    }

    /** Starts a rollout from a spec (HOCON or JSON text); returns it. */
    public JsonNode start(String spec) {
        return call(HttpMethod.POST, "/api/rollouts", spec);
    }

    /** {@code promote}, {@code pause}, {@code resume}, {@code abort} or {@code rollback} the model's rollout. */
    public JsonNode command(String model, String command) {
        return call(HttpMethod.POST, "/api/models/" + model + "/rollout/" + command, "");
    }

    public JsonNode rollout(long id) {
        return call(HttpMethod.GET, "/api/rollouts/" + id, null);
    }

    /** The latest rollouts, newest first; of one model when {@code model} is not null. */
    public JsonNode rollouts(String model, int limit) {
        return call(HttpMethod.GET, "/api/rollouts?limit=" + limit + (model == null ? "" : "&model=" + model), null);
    }

    /** Every deployed model with its versions, live traffic split and per-version figures. */
    public JsonNode models() {
        return call(HttpMethod.GET, "/api/models", null);
    }

    /** Starts an A/B experiment from its spec (HOCON or JSON text); returns it. */
    public JsonNode startExperiment(String spec) {
        return call(HttpMethod.POST, "/api/experiments", spec);
    }

    /** The latest experiments, newest first. */
    public JsonNode experiments(int limit) {
        return call(HttpMethod.GET, "/api/experiments?limit=" + limit, null);
    }

    public JsonNode experiment(String name) {
        return call(HttpMethod.GET, "/api/experiments/" + name, null);
    }

    /** The experiment's report: arms, samples, effect with interval, p-value and sequential verdict, guardrails. */
    public JsonNode experimentReport(String name) {
        return call(HttpMethod.GET, "/api/experiments/" + name + "/report", null);
    }

    /** Stops the experiment and hands the winner ({@code auto}, {@code treatment}, {@code control}) to its rollout. */
    public JsonNode stopExperiment(String name, String winner) {
        return call(HttpMethod.POST, "/api/experiments/" + name + "/stop?winner=" + winner, "");
    }

    private JsonNode call(HttpMethod method, String path, String body) {
        RequestHeadersBuilder headers = RequestHeaders.builder(method, path);
        if (!token.isEmpty()) {
            headers.add(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
        }
        AggregatedHttpResponse res;
        if (body == null) {
            res = client.execute(headers.build()).aggregate().join();
        } else {
            headers.contentType(MediaType.PLAIN_TEXT_UTF_8);
            res = client.execute(headers.build(), body).aggregate().join();
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(res.contentUtf8());
        } catch (IOException e) {
            throw new IllegalStateException("The serving gateway answered " + res.status() + " with non-JSON: "
                    + res.contentUtf8());
        }
        if (!res.status().isSuccess()) {
            throw new IllegalStateException("The serving gateway answered " + res.status().code() + ": "
                    + json.path("error").asText(res.contentUtf8()));
        }
        return json;
    }
}
