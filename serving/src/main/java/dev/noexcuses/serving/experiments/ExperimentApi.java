package dev.noexcuses.serving.experiments;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import dev.noexcuses.common.json.Json;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The experiments' part of the gateway's control API, what {@code ./platform ab} and the console's
 * A/B page call (behind the same bearer token as {@code /api/rollouts}):
 * {@code GET /api/experiments[?limit=N]}, {@code POST /api/experiments} (a spec, HOCON or JSON),
 * {@code GET /api/experiments/{name}}, {@code GET /api/experiments/{name}/report} and
 * {@code POST /api/experiments/{name}/stop[?winner=auto|treatment|control]}.
 */
public final class ExperimentApi implements AutoCloseable {
    private final ExperimentController controller;
    /** Database work and rollout starts block: off the event loop. */
    private final ExecutorService blocking = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "experiments-api");
        t.setDaemon(true);
        return t;
    });

    public ExperimentApi(ExperimentController controller) {
        this.controller = requireNonNull(controller, "controller is null");
    }

    public void addTo(ServerBuilder sb) {
        sb.service("/api/experiments", (ctx, req) -> {
            if (req.method() == HttpMethod.POST) {
                return HttpResponse.of(req.aggregate().thenApplyAsync(r -> answer(() ->
                        json(HttpStatus.CREATED, controller.start(r.contentUtf8()))), blocking));
            }
            int limit = Integer.parseInt(Optional.ofNullable(ctx.queryParam("limit")).orElse("50"));
            return blocking(() -> json(HttpStatus.OK, controller.recent(Math.max(1, Math.min(limit, 500)))));
        });
        sb.service("/api/experiments/{name}", (ctx, req) -> blocking(() -> controller.experiment(ctx.pathParam("name"))
                .map(r -> json(HttpStatus.OK, r))
                .orElseGet(() -> error(HttpStatus.NOT_FOUND, "No experiment '" + ctx.pathParam("name") + "'"))));
        sb.service("/api/experiments/{name}/report", (ctx, req) ->
                blocking(() -> json(HttpStatus.OK, controller.report(ctx.pathParam("name")))));
        sb.service("/api/experiments/{name}/stop", (ctx, req) -> {
            if (req.method() != HttpMethod.POST) {
                return error(HttpStatus.METHOD_NOT_ALLOWED, "POST to stop an experiment");
            }
            String winner = Optional.ofNullable(ctx.queryParam("winner")).orElse("auto");
            return blocking(() -> json(HttpStatus.OK, controller.stop(ctx.pathParam("name"), winner)));
        });
    }

    private HttpResponse blocking(Supplier<HttpResponse> work) {
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> answer(work), blocking));
    }

    private static HttpResponse answer(Supplier<HttpResponse> work) {
        try {
            return work.get();
        } catch (IllegalArgumentException e) {
            return error(e.getMessage() != null && e.getMessage().startsWith("No experiment")
                    ? HttpStatus.NOT_FOUND : HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (IllegalStateException e) {
            return error(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    private static HttpResponse json(HttpStatus status, Object value) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toBytes(value));
    }

    private static HttpResponse error(HttpStatus status, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, Json.toText(Map.of("error", message)));
    }

    @Override
    public void close() {
        blocking.shutdownNow();
    }
}
