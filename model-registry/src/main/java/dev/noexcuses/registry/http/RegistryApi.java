package dev.noexcuses.registry.http;

import static dev.noexcuses.registry.http.Bodies.object;
import static dev.noexcuses.registry.http.Bodies.ok;
import static dev.noexcuses.registry.http.Bodies.read;
import static dev.noexcuses.registry.http.Bodies.required;
import static dev.noexcuses.registry.http.Bodies.text;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.RegistryException;
import dev.noexcuses.registry.artifacts.ArtifactStore;
import dev.noexcuses.registry.auth.Caller;
import dev.noexcuses.registry.auth.Role;
import dev.noexcuses.registry.auth.TokenAuthentication;
import dev.noexcuses.registry.models.Feature;
import dev.noexcuses.registry.models.Gate;
import dev.noexcuses.registry.models.ModelStore;
import dev.noexcuses.registry.models.ModelVersion;
import dev.noexcuses.registry.models.RegisteredModel;
import dev.noexcuses.registry.tracking.Dataset;
import dev.noexcuses.registry.tracking.Experiment;
import dev.noexcuses.registry.tracking.Metric;
import dev.noexcuses.registry.tracking.Run;
import dev.noexcuses.registry.tracking.RunPage;
import dev.noexcuses.registry.tracking.RunQuery;
import dev.noexcuses.registry.tracking.TrackingStore;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry's own REST API, {@code /api/v1}: tracking (experiments, runs, logging, artifacts, run lists)
 * and the registry (models, versions, gates, aliases and their history, promotion requests, audit). The
 * Java client, the CLI and the console use it; every call names its user by bearer token.
 */
@Blocking
public final class RegistryApi {
    private final TrackingStore tracking;
    private final ModelStore models;
    private final ArtifactStore artifacts;
    private final Clock clock;
    private final int maxPageSize;

    public RegistryApi(TrackingStore tracking, ModelStore models, ArtifactStore artifacts, Clock clock, int maxPageSize) {
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.models = requireNonNull(models, "models is null");
        this.artifacts = requireNonNull(artifacts, "artifacts is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.maxPageSize = maxPageSize;
    }

    private static Caller caller(ServiceRequestContext ctx, Role role) {
        return TokenAuthentication.caller(ctx).require(role);
    }

    @Get("/api/v1/whoami")
    public HttpResponse whoami(ServiceRequestContext ctx) {
        Caller c = TokenAuthentication.caller(ctx);
        return ok(object().put("user", c.name()).set("roles", Json.mapper().valueToTree(
                c.roles().stream().map(Role::configName).sorted().toList())));
    }

    // ---- tracking

    @Get("/api/v1/experiments")
    public HttpResponse experiments(ServiceRequestContext ctx) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("experiments", Json.mapper().valueToTree(tracking.experiments(false))));
    }

    /** Body: {@code {"name": "...", "tags": {...}}}; an existing experiment of that name is returned as it is. */
    @Post("/api/v1/experiments")
    public HttpResponse createExperiment(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        String name = required(body, "name");
        Optional<Experiment> existing = tracking.experimentByName(name);
        Experiment e = existing.orElseGet(() -> tracking.createExperiment(name, text(body, "artifact_location"),
                Bodies.stringMap(body.get("tags")), clock.millis()));
        return ok(object().set("experiment", Json.mapper().valueToTree(e)));
    }

    @Get("/api/v1/experiments/{id}")
    public HttpResponse experiment(ServiceRequestContext ctx, @Param("id") String id) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("experiment", Json.mapper().valueToTree(experimentByIdOrName(id))));
    }

    private Experiment experimentByIdOrName(String id) {
        if (id.chars().allMatch(Character::isDigit)) {
            return tracking.experiment(Long.parseLong(id));
        }
        return tracking.experimentByName(id).orElseThrow(() -> RegistryException.notFound("No experiment named '" + id + "'"));
    }

    /**
     * One page of an experiment's runs: {@code limit} (at most model-registry.max-page-size), {@code order_by}
     * ({@code start_time DESC}, {@code name ASC}, {@code metrics.rmse ASC} ...), {@code filter}, {@code page_token}.
     */
    @Get("/api/v1/experiments/{id}/runs")
    public HttpResponse runs(ServiceRequestContext ctx, @Param("id") String id, @Param("limit") @Default("100") int limit,
                             @Param("order_by") @Default("") String orderBy, @Param("filter") @Default("") String filter,
                             @Param("page_token") @Default("") String pageToken,
                             @Param("view") @Default("ACTIVE_ONLY") String view) {
        caller(ctx, Role.VIEWER);
        Experiment e = experimentByIdOrName(id);
        RunPage page = tracking.search(new RunQuery(List.of(e.experimentId()), filter, orderBy, Math.min(limit, maxPageSize),
                pageToken, view));
        return ok(Json.mapper().valueToTree(page));
    }

    /**
     * Body: {@code {"experiment_id": 1 (or "experiment": "name"), "name", "git_commit", "code_version", "tags",
     * "params", "datasets": [{"table", "snapshot_id", "context"}]}}.
     */
    @Post("/api/v1/runs")
    public HttpResponse createRun(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        long experimentId;
        if (body.hasNonNull("experiment_id")) {
            experimentId = Bodies.parseLong(body.get("experiment_id").asText(), "experiment_id");
        } else {
            String name = required(body, "experiment");
            experimentId = tracking.experimentByName(name).orElseGet(() ->
                    tracking.createExperiment(name, null, Map.of(), clock.millis())).experimentId();
        }
        Run run = tracking.createRun(new TrackingStore.NewRun(experimentId, text(body, "name"), c.name(),
                body.hasNonNull("start_time") ? body.get("start_time").asLong() : clock.millis(), text(body, "git_commit"),
                text(body, "code_version"), Bodies.stringMap(body.get("tags"))));
        Map<String, String> params = Bodies.stringMap(body.get("params"));
        List<Dataset> datasets = datasets(body.get("datasets"));
        if (!params.isEmpty() || !datasets.isEmpty()) {
            tracking.log(run.runId(), List.of(), params, Map.of(), datasets);
            run = tracking.run(run.runId());
        }
        return ok(object().set("run", Json.mapper().valueToTree(run)));
    }

    @Get("/api/v1/runs/{id}")
    public HttpResponse run(ServiceRequestContext ctx, @Param("id") String id) {
        caller(ctx, Role.VIEWER);
        Run run = tracking.run(id);
        ObjectNode out = object();
        out.set("run", Json.mapper().valueToTree(run));
        out.set("artifacts", Json.mapper().valueToTree(artifacts.list(run.experimentId(), run.runId())));
        out.set("model_versions", Json.mapper().valueToTree(models.versionsWhere(null, run.runId()).stream()
                .map(v -> object().put("model", v.model()).put("version", v.version())).toList()));
        return ok(out);
    }

    /**
     * Body: {@code {"metrics": [{"key", "value", "step", "timestamp"}], "params": {...}, "tags": {...},
     * "datasets": [...]}}: all logged in one transaction.
     */
    @Post("/api/v1/runs/{id}/log")
    public HttpResponse log(ServiceRequestContext ctx, @Param("id") String id, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        List<Metric> metrics = new ArrayList<>();
        long now = clock.millis();
        for (JsonNode m : body.path("metrics")) {
            if (!m.hasNonNull("key") || !m.hasNonNull("value")) {
                throw RegistryException.invalid("Invalid metric " + m + ": expected key and value");
            }
            metrics.add(new Metric(m.get("key").asText(), m.get("value").asDouble(), m.path("step").asLong(0),
                    m.hasNonNull("timestamp") ? m.get("timestamp").asLong() : now));
        }
        tracking.log(id, metrics, Bodies.stringMap(body.get("params")), Bodies.stringMap(body.get("tags")),
                datasets(body.get("datasets")));
        return ok(object());
    }

    /** Body: {@code {"status": "FINISHED" | "FAILED" | "KILLED", "end_time": ms}}. */
    @Post("/api/v1/runs/{id}/finish")
    public HttpResponse finish(ServiceRequestContext ctx, @Param("id") String id, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        String status = text(body, "status");
        Run run = tracking.update(id, status == null ? "FINISHED" : status,
                body.hasNonNull("end_time") ? body.get("end_time").asLong() : clock.millis(), null);
        return ok(object().set("run", Json.mapper().valueToTree(run)));
    }

    @Get("/api/v1/runs/{id}/metrics/{key}")
    public HttpResponse metricHistory(ServiceRequestContext ctx, @Param("id") String id, @Param("key") String key) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("metrics", Json.mapper().valueToTree(tracking.metricHistory(id, key))));
    }

    @Get("/api/v1/runs/{id}/artifacts")
    public HttpResponse artifacts(ServiceRequestContext ctx, @Param("id") String id) {
        caller(ctx, Role.VIEWER);
        Run run = tracking.run(id);
        return ok(object().put("root_uri", run.artifactUri())
                .set("files", Json.mapper().valueToTree(artifacts.list(run.experimentId(), run.runId()))));
    }

    @Put("regex:^/api/v1/runs/(?<id>[^/]+)/artifacts/(?<path>.+)$")
    public HttpResponse putArtifact(ServiceRequestContext ctx, @Param("id") String id, @Param("path") String path,
                                    AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        Run run = tracking.run(id);
        if (!run.lifecycleStage().equals("active")) {
            throw RegistryException.conflict("Run " + id + " is deleted: restore it before adding artifacts");
        }
        byte[] content = request.content().array();
        artifacts.put(run.experimentId(), run.runId(), path, content);
        return ok(object().put("path", path).put("size", content.length).put("uri", run.artifactUri() + "/" + path));
    }

    @Get("regex:^/api/v1/runs/(?<id>[^/]+)/artifacts/(?<path>.+)$")
    public HttpResponse getArtifact(ServiceRequestContext ctx, @Param("id") String id, @Param("path") String path) {
        caller(ctx, Role.VIEWER);
        Run run = tracking.run(id);
        return HttpResponse.of(HttpStatus.OK, MediaType.OCTET_STREAM, artifacts.get(run.experimentId(), run.runId(), path));
    }

    private static List<Dataset> datasets(JsonNode node) {
        List<Dataset> out = new ArrayList<>();
        if (node == null) {
            return out;
        }
        for (JsonNode d : node) {
            if (!d.hasNonNull("table") || !d.hasNonNull("snapshot_id")) {
                throw RegistryException.invalid("Invalid dataset " + d + ": expected table and snapshot_id (the Iceberg "
                        + "snapshot the run read)");
            }
            out.add(new Dataset(d.get("table").asText(), Bodies.parseLong(d.get("snapshot_id").asText(), "snapshot_id"),
                    text(d, "context"), text(d, "name"), text(d, "digest")));
        }
        return out;
    }

    // ---- registry

    @Get("/api/v1/models")
    public HttpResponse models(ServiceRequestContext ctx) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("models", Json.mapper().valueToTree(models.models())));
    }

    @Post("/api/v1/models")
    public HttpResponse createModel(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        RegisteredModel m = models.createModel(required(body, "name"), text(body, "description"), c, clock.millis());
        return ok(object().set("model", Json.mapper().valueToTree(m)));
    }

    /** A model with its versions, current aliases and pending promotion requests. */
    @Get("/api/v1/models/{name}")
    public HttpResponse model(ServiceRequestContext ctx, @Param("name") String name) {
        caller(ctx, Role.VIEWER);
        ObjectNode out = object();
        out.set("model", Json.mapper().valueToTree(models.model(name)));
        out.set("versions", Json.mapper().valueToTree(models.versions(name)));
        out.set("pending_requests", Json.mapper().valueToTree(models.requests(name, "pending")));
        out.set("protected_aliases", Json.mapper().valueToTree(models.protectedAliases().stream().sorted().toList()));
        return ok(out);
    }

    /**
     * Registers the next version (and the model on its first). Body: {@code {"run_id", "artifact_path" or
     * "source", "signature": [{"name", "type"}], "metrics": {...}, "description", "tags", "gates":
     * [{"gate", "passed", "detail"}]}}.
     */
    @Post("/api/v1/models/{name}/versions")
    public HttpResponse createVersion(ServiceRequestContext ctx, @Param("name") String name, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        long now = clock.millis();
        List<Feature> signature = body.has("signature")
                ? Json.mapper().convertValue(body.get("signature"), new TypeReference<List<Feature>>() { }) : List.of();
        Map<String, Double> metrics = body.has("metrics")
                ? Json.mapper().convertValue(body.get("metrics"), new TypeReference<Map<String, Double>>() { }) : Map.of();
        List<Gate> gates = new ArrayList<>();
        for (JsonNode g : body.path("gates")) {
            gates.add(new Gate(required(g, "gate"), g.path("passed").asBoolean(false), g.path("detail").asText(""), c.name(), now));
        }
        ModelVersion v = models.createVersion(new ModelStore.NewVersion(name, text(body, "run_id"), text(body, "source"),
                text(body, "artifact_path"), signature, metrics, text(body, "description"), Bodies.stringMap(body.get("tags")), gates),
                true, c, now);
        return ok(object().set("model_version", Json.mapper().valueToTree(v)));
    }

    /** A version with its lineage: the run (code, parameters, metrics) and the datasets at their snapshots. */
    @Get("/api/v1/models/{name}/versions/{version}")
    public HttpResponse version(ServiceRequestContext ctx, @Param("name") String name, @Param("version") int version) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("model_version", Json.mapper().valueToTree(models.version(name, version))));
    }

    /** Body: {@code {"gate": "auc-above-baseline", "passed": true, "detail": "0.81 >= 0.75"}}. */
    @Post("/api/v1/models/{name}/versions/{version}/gates")
    public HttpResponse recordGate(ServiceRequestContext ctx, @Param("name") String name, @Param("version") int version,
                                   AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        if (!body.has("passed") || !body.get("passed").isBoolean()) {
            throw RegistryException.invalid("Invalid gate result: expected \"passed\": true or false");
        }
        ModelVersion v = models.recordGate(name, version, required(body, "gate"), body.get("passed").asBoolean(),
                text(body, "detail"), c, clock.millis());
        return ok(object().set("model_version", Json.mapper().valueToTree(v)));
    }

    /**
     * The version an alias points at, now or {@code as_of} a past time (ISO-8601 or epoch ms), with its artifact
     * location: what serving resolves {@code model@champion} with.
     */
    @Get("/api/v1/models/{name}/aliases/{alias}")
    public HttpResponse alias(ServiceRequestContext ctx, @Param("name") String name, @Param("alias") String alias,
                              @Param("as_of") @Default("") String asOf) {
        caller(ctx, Role.VIEWER);
        long at = asOf.isBlank() ? Long.MAX_VALUE : parseTime(asOf);
        int version = models.aliasAsOf(name, alias, at).orElseThrow(() -> RegistryException.notFound("Model '" + name
                + "' has no alias '" + alias + "'" + (asOf.isBlank() ? "" : " as of " + asOf)));
        return ok(object().put("model", name).put("alias", alias).put("version", version)
                .set("model_version", Json.mapper().valueToTree(models.version(name, version))));
    }

    /** Moves an unprotected alias. Body: {@code {"version": 3, "reason": "..."}}; a protected alias answers 403. */
    @Put("/api/v1/models/{name}/aliases/{alias}")
    public HttpResponse setAlias(ServiceRequestContext ctx, @Param("name") String name, @Param("alias") String alias,
                                 AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        int version = (int) Bodies.parseLong(required(body, "version"), "version");
        return ok(object().set("event", Json.mapper().valueToTree(
                models.setAlias(name, alias, version, text(body, "reason"), c, clock.millis()))));
    }

    @Delete("/api/v1/models/{name}/aliases/{alias}")
    public HttpResponse deleteAlias(ServiceRequestContext ctx, @Param("name") String name, @Param("alias") String alias) {
        Caller c = caller(ctx, Role.EDITOR);
        return ok(object().set("event", Json.mapper().valueToTree(models.setAlias(name, alias, null, "removed", c, clock.millis()))));
    }

    /** The alias moves (one alias or all), newest first, and with {@code as_of} the aliases at that time. */
    @Get("/api/v1/models/{name}/history")
    public HttpResponse history(ServiceRequestContext ctx, @Param("name") String name, @Param("alias") @Default("") String alias,
                                @Param("as_of") @Default("") String asOf, @Param("limit") @Default("200") int limit) {
        caller(ctx, Role.VIEWER);
        ObjectNode out = object();
        out.set("events", Json.mapper().valueToTree(models.history(name, alias.isBlank() ? null : alias, Math.min(limit, 1000))));
        if (!asOf.isBlank()) {
            out.put("as_of", asOf);
            out.set("aliases_as_of", Json.mapper().valueToTree(models.aliasesAsOf(name, parseTime(asOf))));
        }
        return ok(out);
    }

    /** Body: {@code {"alias": "champion", "version": 3, "reason": "..."}}. */
    @Post("/api/v1/models/{name}/promotions")
    public HttpResponse requestPromotion(ServiceRequestContext ctx, @Param("name") String name, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        return ok(object().set("request", Json.mapper().valueToTree(models.requestPromotion(name, required(body, "alias"),
                (int) Bodies.parseLong(required(body, "version"), "version"), text(body, "reason"), c, clock.millis()))));
    }

    @Get("/api/v1/promotions")
    public HttpResponse promotions(ServiceRequestContext ctx, @Param("status") @Default("pending") String status,
                                   @Param("model") @Default("") String model) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("requests", Json.mapper().valueToTree(models.requests(model.isBlank() ? null : model,
                status.equals("all") ? null : status))));
    }

    /** Body: {@code {"comment": "..."}}. */
    @Post("/api/v1/promotions/{id}/approve")
    public HttpResponse approve(ServiceRequestContext ctx, @Param("id") long id, AggregatedHttpRequest request) {
        Caller c = TokenAuthentication.caller(ctx);
        JsonNode body = read(request);
        return ok(object().set("event", Json.mapper().valueToTree(models.approve(id, text(body, "comment"), c, clock.millis()))));
    }

    @Post("/api/v1/promotions/{id}/reject")
    public HttpResponse reject(ServiceRequestContext ctx, @Param("id") long id, AggregatedHttpRequest request) {
        Caller c = TokenAuthentication.caller(ctx);
        JsonNode body = read(request);
        return ok(object().set("request", Json.mapper().valueToTree(models.reject(id, text(body, "comment"), c, clock.millis()))));
    }

    @Get("/api/v1/audit")
    public HttpResponse audit(ServiceRequestContext ctx, @Param("model") @Default("") String model,
                              @Param("limit") @Default("200") int limit) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("events", Json.mapper().valueToTree(models.audit(model.isBlank() ? null : model, Math.min(limit, 1000)))));
    }

    /** ISO-8601 instant ({@code 2026-12-01T10:00:00Z}) or epoch milliseconds. */
    static long parseTime(String text) {
        String t = text.trim();
        if (t.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(t);
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw RegistryException.invalid("Invalid time '" + text + "': expected ISO-8601 (2026-12-01T10:00:00Z) or epoch milliseconds");
        }
    }
}
