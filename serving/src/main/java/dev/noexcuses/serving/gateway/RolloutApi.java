package dev.noexcuses.serving.gateway;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.instances.ModelServerInstance;
import dev.noexcuses.serving.rollout.DeployedModel;
import dev.noexcuses.serving.rollout.RolloutCommand;
import dev.noexcuses.serving.rollout.RolloutController;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The gateway's control API, what {@code ./platform rollout} and the console call:
 * {@code GET /api/models} (each model's versions, live traffic split and per-version figures),
 * {@code GET /api/rollouts[?model=M&limit=N]}, {@code GET /api/rollouts/{id}},
 * {@code POST /api/rollouts} (a spec, HOCON or JSON) and
 * {@code POST /api/models/{model}/rollout/{promote|pause|resume|abort|rollback}}.
 */
final class RolloutApi {
    private final RolloutController controller;
    private final TrafficTable table;
    /** Database work and model server starts block: off the event loop. */
    private final ExecutorService blocking = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "serving-api");
        t.setDaemon(true);
        return t;
    });

    RolloutApi(RolloutController controller, TrafficTable table) {
        this.controller = requireNonNull(controller, "controller is null");
        this.table = requireNonNull(table, "table is null");
    }

    void addTo(ServerBuilder sb) {
        sb.service("/api/models", (ctx, req) -> blocking(this::models));
        sb.service("/api/rollouts", (ctx, req) -> {
            if (req.method() == com.linecorp.armeria.common.HttpMethod.POST) {
                return HttpResponse.of(req.aggregate().thenApplyAsync(r -> answer(() -> {
                    var record = controller.start(r.contentUtf8());
                    return json(HttpStatus.CREATED, record);
                }), blocking));
            }
            String model = ctx.queryParam("model");
            int limit = Integer.parseInt(java.util.Optional.ofNullable(ctx.queryParam("limit")).orElse("50"));
            return blocking(() -> json(HttpStatus.OK, controller.store().recent(model, Math.min(limit, 500))));
        });
        sb.service("/api/rollouts/{id}", (ctx, req) -> blocking(() -> controller.store()
                .rollout(Long.parseLong(ctx.pathParam("id")))
                .map(r -> json(HttpStatus.OK, r))
                .orElseGet(() -> PredictRouter.error(HttpStatus.NOT_FOUND, "No rollout " + ctx.pathParam("id")))));
        sb.service("/api/models/{model}/rollout/{command}", (ctx, req) -> {
            if (req.method() != com.linecorp.armeria.common.HttpMethod.POST) {
                return PredictRouter.error(HttpStatus.METHOD_NOT_ALLOWED, "POST a command");
            }
            return blocking(() -> json(HttpStatus.OK, controller.command(ctx.pathParam("model"),
                    RolloutCommand.parse(ctx.pathParam("command")))));
        });
    }

    private HttpResponse blocking(Supplier<HttpResponse> work) {
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> answer(work), blocking));
    }

    private static HttpResponse answer(Supplier<HttpResponse> work) {
        try {
            return work.get();
        } catch (IllegalArgumentException e) {
            return PredictRouter.error(HttpStatus.BAD_REQUEST, e.getMessage());
        } catch (IllegalStateException e) {
            return PredictRouter.error(HttpStatus.CONFLICT, e.getMessage());
        }
    }

    private HttpResponse models() {
        ArrayNode out = Json.mapper().createArrayNode();
        for (DeployedModel m : controller.store().models()) {
            ObjectNode node = out.addObject();
            node.put("model", m.model());
            node.put("stable_version", m.stableVersion());
            node.put("model_file", m.stableModelFile());
            // Where the stable version came from when the model registry resolved it (churn@champion, v7).
            controller.store().recent(m.model(), 20).stream()
                    .filter(r -> r.candidateVersion().equals(m.stableVersion()) && r.spec().path("registry").isObject())
                    .findFirst()
                    .ifPresent(r -> node.set("stable_registry", r.spec().path("registry")));
            node.set("instances", Json.mapper().valueToTree(m.instances()));
            node.put("previous_version", m.previousVersion());
            node.put("previous_kept_until", m.previousKeptUntil() == null ? null : m.previousKeptUntil().toString());
            ObjectNode traffic = node.putObject("traffic");
            table.split(m.model()).ifPresent(s -> {
                traffic.set("stable", Json.mapper().valueToTree(s.stable().stream().map(ModelServerInstance::url).toList()));
                traffic.set("stable_versions", Json.mapper().valueToTree(s.stableVersions()));
                traffic.set("candidate", Json.mapper().valueToTree(s.candidate().stream().map(ModelServerInstance::url).toList()));
                traffic.put("candidate_version", s.candidate().isEmpty() ? null : s.candidate().get(0).version());
                traffic.put("candidate_percent", s.candidate().isEmpty() ? 0 : s.candidatePercent());
                s.shadow().ifPresent(mirror -> traffic.putObject("shadow").put("version", mirror.version())
                        .put("share", mirror.share()).put("queue", mirror.queue()));
            });
            ObjectNode versions = node.putObject("versions");
            java.util.Set<String> seen = new java.util.LinkedHashSet<>();
            seen.add(m.stableVersion());
            table.split(m.model()).ifPresent(s -> {
                s.stable().forEach(i -> seen.add(i.version()));
                s.candidate().forEach(i -> seen.add(i.version()));
                s.shadow().ifPresent(mirror -> seen.add(mirror.version()));
            });
            for (String v : seen) {
                VersionStats.Window w = table.stats(m.model(), v).window();
                versions.putObject(v).put("requests", w.totalRequests()).put("errors", w.totalErrors())
                        .put("window_requests", w.requests()).put("window_errors", w.errors())
                        .put("window_p50_ms", w.p50Ms()).put("window_p99_ms", w.p99Ms());
            }
        }
        return json(HttpStatus.OK, out);
    }

    /** JSON in the platform's one mapper setup (snake_case, ISO-8601 instants). */
    private static HttpResponse json(HttpStatus status, Object value) {
        return HttpResponse.of(status, com.linecorp.armeria.common.MediaType.JSON_UTF_8, Json.toBytes(value));
    }

    void close() {
        blocking.shutdownNow();
    }
}
