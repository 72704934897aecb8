package dev.noexcuses.registry.http;

import static dev.noexcuses.registry.http.Bodies.object;
import static dev.noexcuses.registry.http.Bodies.ok;
import static dev.noexcuses.registry.http.Bodies.read;
import static dev.noexcuses.registry.http.Bodies.required;
import static dev.noexcuses.registry.http.Bodies.text;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Post;
import dev.noexcuses.registry.RegistryException;
import dev.noexcuses.registry.auth.Caller;
import dev.noexcuses.registry.auth.Role;
import dev.noexcuses.registry.auth.TokenAuthentication;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MLflow's REST API 2.0 ({@code /api/2.0/mlflow/...}) over the same stores: experiments, runs, logging
 * (metric, parameter, tag, batch, inputs), metric history, run search, registered models, model versions
 * and aliases, so MLflow clients and tools work against the registry. Not covered: artifacts through
 * MLflow's proxy ({@code mlflow-artifacts}), stages (deprecated by MLflow: aliases replace them), traces,
 * prompts and webhooks. A protected alias set through this API answers 403, as it does through ours.
 */
@Blocking
public final class MlflowApi {
    private static final String P = "/api/2.0/mlflow/";
    private static final Pattern NAME_FILTER = Pattern.compile("\\s*name\\s*=\\s*'([^']*)'\\s*");
    private static final Pattern RUN_FILTER = Pattern.compile("\\s*run_id\\s*=\\s*'([^']*)'\\s*");

    private final TrackingStore tracking;
    private final ModelStore models;
    private final Clock clock;
    private final int maxPageSize;

    public MlflowApi(TrackingStore tracking, ModelStore models, Clock clock, int maxPageSize) {
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.models = requireNonNull(models, "models is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.maxPageSize = maxPageSize;
    }

    private static Caller caller(ServiceRequestContext ctx, Role role) {
        return TokenAuthentication.caller(ctx).require(role);
    }

    // ---- experiments

    @Post(P + "experiments/create")
    public HttpResponse createExperiment(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        Map<String, String> tags = keyValues(body.get("tags"));
        Experiment e = tracking.createExperiment(required(body, "name"), text(body, "artifact_location"), tags, clock.millis());
        return ok(object().put("experiment_id", String.valueOf(e.experimentId())));
    }

    @Get(P + "experiments/get")
    public HttpResponse getExperiment(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        Experiment e = tracking.experiment(Bodies.parseLong(requiredParam(q, "experiment_id"), "experiment_id"));
        return ok(object().set("experiment", experiment(e)));
    }

    @Get(P + "experiments/get-by-name")
    public HttpResponse getExperimentByName(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        String name = requiredParam(q, "experiment_name");
        Experiment e = tracking.experimentByName(name)
                .orElseThrow(() -> RegistryException.notFound("Could not find experiment with name '" + name + "'"));
        return ok(object().set("experiment", experiment(e)));
    }

    @Get(P + "experiments/list")
    public HttpResponse listExperiments(ServiceRequestContext ctx) {
        caller(ctx, Role.VIEWER);
        ArrayNode out = Bodies.object().arrayNode();
        tracking.experiments(false).forEach(e -> out.add(experiment(e)));
        return ok(object().set("experiments", out));
    }

    @Post(P + "experiments/search")
    public HttpResponse searchExperiments(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.VIEWER);
        JsonNode body = read(request);
        String view = body.path("view_type").asText("ACTIVE_ONLY");
        Matcher m = NAME_FILTER.matcher(body.path("filter").asText(""));
        String name = m.matches() ? m.group(1) : null;
        ArrayNode out = Bodies.object().arrayNode();
        tracking.experiments(!view.equals("ACTIVE_ONLY")).stream()
                .filter(e -> name == null || e.name().equals(name))
                .filter(e -> !view.equals("DELETED_ONLY") || e.lifecycleStage().equals("deleted"))
                .forEach(e -> out.add(experiment(e)));
        return ok(object().set("experiments", out));
    }

    @Post(P + "experiments/delete")
    public HttpResponse deleteExperiment(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        tracking.setExperimentLifecycle(Bodies.parseLong(required(read(request), "experiment_id"), "experiment_id"), "deleted",
                clock.millis());
        return ok(object());
    }

    @Post(P + "experiments/restore")
    public HttpResponse restoreExperiment(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        tracking.setExperimentLifecycle(Bodies.parseLong(required(read(request), "experiment_id"), "experiment_id"), "active",
                clock.millis());
        return ok(object());
    }

    @Post(P + "experiments/update")
    public HttpResponse updateExperiment(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.renameExperiment(Bodies.parseLong(required(body, "experiment_id"), "experiment_id"), required(body, "new_name"),
                clock.millis());
        return ok(object());
    }

    @Post(P + "experiments/set-experiment-tag")
    public HttpResponse setExperimentTag(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.setExperimentTag(Bodies.parseLong(required(body, "experiment_id"), "experiment_id"), required(body, "key"),
                body.path("value").asText(""));
        return ok(object());
    }

    // ---- runs

    @Post(P + "runs/create")
    public HttpResponse createRun(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        String experiment = text(body, "experiment_id");
        Map<String, String> tags = keyValues(body.get("tags"));
        Run run = tracking.createRun(new TrackingStore.NewRun(experiment == null ? 0 : Bodies.parseLong(experiment, "experiment_id"),
                text(body, "run_name"), c.name(), body.hasNonNull("start_time") ? body.get("start_time").asLong() : clock.millis(),
                null, text(body, "source_version"), tags));
        return ok(object().set("run", run(run)));
    }

    @Get(P + "runs/get")
    public HttpResponse getRun(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("run", run(tracking.run(runId(q)))));
    }

    @Post(P + "runs/update")
    public HttpResponse updateRun(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        Run run = tracking.update(runId(body), text(body, "status"),
                body.hasNonNull("end_time") ? body.get("end_time").asLong() : null, text(body, "run_name"));
        return ok(object().set("run_info", runInfo(run)));
    }

    @Post(P + "runs/delete")
    public HttpResponse deleteRun(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        tracking.setRunLifecycle(runId(read(request)), "deleted");
        return ok(object());
    }

    @Post(P + "runs/restore")
    public HttpResponse restoreRun(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        tracking.setRunLifecycle(runId(read(request)), "active");
        return ok(object());
    }

    @Post(P + "runs/log-metric")
    public HttpResponse logMetric(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.log(runId(body), List.of(metric(body)), Map.of(), Map.of(), List.of());
        return ok(object());
    }

    @Post(P + "runs/log-parameter")
    public HttpResponse logParameter(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.log(runId(body), List.of(), Map.of(required(body, "key"), body.path("value").asText("")), Map.of(), List.of());
        return ok(object());
    }

    @Post(P + "runs/set-tag")
    public HttpResponse setTag(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.log(runId(body), List.of(), Map.of(), Map.of(required(body, "key"), body.path("value").asText("")), List.of());
        return ok(object());
    }

    @Post(P + "runs/delete-tag")
    public HttpResponse deleteTag(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        tracking.deleteTag(runId(body), required(body, "key"));
        return ok(object());
    }

    @Post(P + "runs/log-batch")
    public HttpResponse logBatch(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        List<Metric> metrics = new ArrayList<>();
        for (JsonNode m : body.path("metrics")) {
            metrics.add(metric(m));
        }
        Map<String, String> params = keyValues(body.get("params"));
        tracking.log(runId(body), metrics, params, keyValues(body.get("tags")), List.of());
        return ok(object());
    }

    /**
     * Datasets whose source is an Iceberg table: {@code source_type} "iceberg" and {@code source}
     * {@code {"table": "curated.events", "snapshot_id": 123}}. Other sources are kept by name and digest.
     */
    @Post(P + "runs/log-inputs")
    public HttpResponse logInputs(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        List<Dataset> datasets = new ArrayList<>();
        for (JsonNode input : body.path("datasets")) {
            JsonNode d = input.path("dataset");
            String context = "training";
            for (JsonNode t : input.path("tags")) {
                if (t.path("key").asText().equals("mlflow.data.context")) {
                    context = t.path("value").asText();
                }
            }
            JsonNode source;
            try {
                source = dev.noexcuses.common.json.Json.mapper().readTree(d.path("source").asText("{}"));
            } catch (Exception e) {
                throw RegistryException.invalid("Invalid dataset source " + d.path("source").asText() + ": expected JSON");
            }
            String table = source.path("table").asText(d.path("name").asText(""));
            datasets.add(new Dataset(table, source.path("snapshot_id").asLong(0), context, d.path("name").asText(""),
                    d.path("digest").asText("")));
        }
        tracking.log(runId(body), List.of(), Map.of(), Map.of(), datasets);
        return ok(object());
    }

    @Get(P + "metrics/get-history")
    public HttpResponse metricHistory(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        ArrayNode out = object().arrayNode();
        tracking.metricHistory(runId(q), requiredParam(q, "metric_key")).forEach(m -> out.add(metric(m)));
        return ok(object().set("metrics", out));
    }

    @Post(P + "runs/search")
    public HttpResponse searchRuns(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.VIEWER);
        JsonNode body = read(request);
        List<Long> ids = new ArrayList<>();
        body.path("experiment_ids").forEach(e -> ids.add(Bodies.parseLong(e.asText(), "experiment_ids")));
        String orderBy = body.path("order_by").size() > 0 ? body.path("order_by").get(0).asText() : "";
        if (body.path("order_by").size() > 1) {
            throw RegistryException.invalid("Invalid order_by: this server sorts runs by one key (got "
                    + body.path("order_by").size() + ")");
        }
        int max = body.path("max_results").asInt(1000);
        RunPage page = tracking.search(new RunQuery(ids, body.path("filter").asText(""), orderBy, Math.min(Math.max(max, 1), maxPageSize),
                body.path("page_token").asText(""), body.path("run_view_type").asText("ACTIVE_ONLY")));
        ArrayNode runs = object().arrayNode();
        page.runs().forEach(r -> runs.add(run(r)));
        ObjectNode out = object().set("runs", runs);
        if (!page.nextPageToken().isEmpty()) {
            out.put("next_page_token", page.nextPageToken());
        }
        return ok(out);
    }

    // ---- registered models, versions, aliases

    @Post(P + "registered-models/create")
    public HttpResponse createRegisteredModel(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        RegisteredModel m = models.createModel(required(body, "name"), text(body, "description"), c, clock.millis());
        return ok(object().set("registered_model", registeredModel(m)));
    }

    @Get(P + "registered-models/get")
    public HttpResponse getRegisteredModel(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("registered_model", registeredModel(models.model(requiredParam(q, "name")))));
    }

    @Get(P + "registered-models/search")
    public HttpResponse searchRegisteredModels(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        Matcher m = NAME_FILTER.matcher(q.get("filter", ""));
        String name = m.matches() ? m.group(1) : null;
        ArrayNode out = object().arrayNode();
        models.models().stream().filter(r -> name == null || r.name().equals(name)).forEach(r -> out.add(registeredModel(r)));
        return ok(object().set("registered_models", out));
    }

    @Post(P + "registered-models/get-latest-versions")
    public HttpResponse latestVersionsPost(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.VIEWER);
        return latestVersions(required(read(request), "name"));
    }

    /** Stages are not kept (aliases replace them): the latest version is listed as stage "None". */
    @Get(P + "registered-models/get-latest-versions")
    public HttpResponse latestVersionsGet(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        return latestVersions(requiredParam(q, "name"));
    }

    private HttpResponse latestVersions(String name) {
        ArrayNode out = object().arrayNode();
        models.versions(name).stream().findFirst().ifPresent(v -> out.add(modelVersion(v)));
        return ok(object().set("model_versions", out));
    }

    @Post(P + "model-versions/create")
    public HttpResponse createModelVersion(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        ModelVersion v = models.createVersion(new ModelStore.NewVersion(required(body, "name"), text(body, "run_id"),
                text(body, "source"), null, List.of(), Map.of(), text(body, "description"), keyValues(body.get("tags")), List.of()),
                false, c, clock.millis());
        return ok(object().set("model_version", modelVersion(v)));
    }

    @Get(P + "model-versions/get")
    public HttpResponse getModelVersion(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        return ok(object().set("model_version", modelVersion(models.version(requiredParam(q, "name"),
                (int) Bodies.parseLong(requiredParam(q, "version"), "version")))));
    }

    @Get(P + "model-versions/get-download-uri")
    public HttpResponse downloadUri(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        ModelVersion v = models.version(requiredParam(q, "name"), (int) Bodies.parseLong(requiredParam(q, "version"), "version"));
        return ok(object().put("artifact_uri", v.source()));
    }

    @Get(P + "model-versions/search")
    public HttpResponse searchModelVersions(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        String filter = q.get("filter", "");
        Matcher byName = NAME_FILTER.matcher(filter);
        Matcher byRun = RUN_FILTER.matcher(filter);
        String name = byName.matches() ? byName.group(1) : null;
        String run = byRun.matches() ? byRun.group(1) : null;
        if (!filter.isBlank() && name == null && run == null) {
            throw RegistryException.invalid("Invalid filter '" + filter + "': this server filters model versions by name = '...' "
                    + "or run_id = '...'");
        }
        ArrayNode out = object().arrayNode();
        models.versionsWhere(name, run).forEach(v -> out.add(modelVersion(v)));
        return ok(object().set("model_versions", out));
    }

    @Post(P + "model-versions/set-tag")
    public HttpResponse setModelVersionTag(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        models.setVersionTag(required(body, "name"), (int) Bodies.parseLong(required(body, "version"), "version"),
                required(body, "key"), body.path("value").asText(""));
        return ok(object());
    }

    @Post(P + "registered-models/alias")
    public HttpResponse setAlias(ServiceRequestContext ctx, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        models.setAlias(required(body, "name"), required(body, "alias"),
                (int) Bodies.parseLong(required(body, "version"), "version"), "set through the MLflow API", c, clock.millis());
        return ok(object());
    }

    @Delete(P + "registered-models/alias")
    public HttpResponse deleteAlias(ServiceRequestContext ctx, QueryParams q, AggregatedHttpRequest request) {
        Caller c = caller(ctx, Role.EDITOR);
        JsonNode body = read(request);
        String name = q.contains("name") ? q.get("name") : required(body, "name");
        String alias = q.contains("alias") ? q.get("alias") : required(body, "alias");
        models.setAlias(name, alias, null, "deleted through the MLflow API", c, clock.millis());
        return ok(object());
    }

    @Get(P + "registered-models/alias")
    public HttpResponse getByAlias(ServiceRequestContext ctx, QueryParams q) {
        caller(ctx, Role.VIEWER);
        String name = requiredParam(q, "name");
        String alias = requiredParam(q, "alias");
        int version = models.alias(name, alias).orElseThrow(() ->
                RegistryException.notFound("Registered model '" + name + "' has no alias '" + alias + "'"));
        return ok(object().set("model_version", modelVersion(models.version(name, version))));
    }

    // ---- MLflow's JSON shapes

    private static ObjectNode experiment(Experiment e) {
        ObjectNode out = object().put("experiment_id", String.valueOf(e.experimentId())).put("name", e.name())
                .put("artifact_location", e.artifactLocation()).put("lifecycle_stage", e.lifecycleStage())
                .put("creation_time", e.creationTime()).put("last_update_time", e.lastUpdateTime());
        out.set("tags", keyValueArray(e.tags()));
        return out;
    }

    private static ObjectNode runInfo(Run r) {
        ObjectNode info = object().put("run_id", r.runId()).put("run_uuid", r.runId()).put("run_name", r.name())
                .put("experiment_id", String.valueOf(r.experimentId())).put("user_id", r.user()).put("status", r.status())
                .put("start_time", r.startTime()).put("artifact_uri", r.artifactUri()).put("lifecycle_stage", r.lifecycleStage());
        if (r.endTime() != null) {
            info.put("end_time", r.endTime());
        }
        return info;
    }

    private static ObjectNode run(Run r) {
        ObjectNode data = object();
        ArrayNode metrics = data.putArray("metrics");
        r.metrics().forEach(m -> metrics.add(metric(m)));
        data.set("params", keyValueArray(r.params()));
        Map<String, String> tags = new LinkedHashMap<>(r.tags());
        tags.putIfAbsent(TrackingStore.RUN_NAME_TAG, r.name());
        if (r.gitCommit() != null) {
            tags.putIfAbsent(TrackingStore.GIT_COMMIT_TAG, r.gitCommit());
        }
        data.set("tags", keyValueArray(tags));
        ObjectNode out = object();
        out.set("info", runInfo(r));
        out.set("data", data);
        ArrayNode inputs = out.putObject("inputs").putArray("dataset_inputs");
        for (Dataset d : r.datasets()) {
            ObjectNode input = inputs.addObject();
            input.putArray("tags").addObject().put("key", "mlflow.data.context").put("value", d.context());
            input.putObject("dataset").put("name", d.name().isEmpty() ? d.table() : d.name()).put("digest", d.digest())
                    .put("source_type", "iceberg")
                    .put("source", object().put("table", d.table()).put("snapshot_id", d.snapshotId()).toString());
        }
        return out;
    }

    private static ObjectNode metric(Metric m) {
        return object().put("key", m.key()).put("value", m.value()).put("timestamp", m.timestamp()).put("step", m.step());
    }

    private Metric metric(JsonNode m) {
        if (!m.hasNonNull("key") || !m.hasNonNull("value")) {
            throw RegistryException.invalid("Invalid metric " + m + ": expected key and value");
        }
        return new Metric(m.get("key").asText(), m.get("value").asDouble(), m.path("step").asLong(0),
                m.hasNonNull("timestamp") ? m.get("timestamp").asLong() : clock.millis());
    }

    private static ObjectNode registeredModel(RegisteredModel m) {
        ObjectNode out = object().put("name", m.name()).put("description", m.description())
                .put("creation_timestamp", m.creationTime()).put("last_updated_timestamp", m.lastUpdatedTime())
                .put("user_id", m.createdBy());
        ArrayNode aliases = out.putArray("aliases");
        m.aliases().forEach((alias, version) -> aliases.addObject().put("alias", alias).put("version", String.valueOf(version)));
        return out;
    }

    private static ObjectNode modelVersion(ModelVersion v) {
        ObjectNode out = object().put("name", v.model()).put("version", String.valueOf(v.version()))
                .put("creation_timestamp", v.creationTime()).put("last_updated_timestamp", v.creationTime())
                .put("user_id", v.createdBy()).put("current_stage", "None").put("description", v.description())
                .put("source", v.source()).put("status", v.status());
        if (v.runId() != null) {
            out.put("run_id", v.runId());
        }
        out.set("tags", keyValueArray(v.tags()));
        ArrayNode aliases = out.putArray("aliases");
        v.aliases().forEach(aliases::add);
        return out;
    }

    private static ArrayNode keyValueArray(Map<String, String> map) {
        ArrayNode out = object().arrayNode();
        map.forEach((k, val) -> out.addObject().put("key", k).put("value", val));
        return out;
    }

    /** MLflow sends tags and params as [{"key", "value"}]. */
    private static Map<String, String> keyValues(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null) {
            for (JsonNode kv : node) {
                out.put(kv.path("key").asText(), kv.path("value").asText(""));
            }
        }
        return out;
    }

    private static String runId(JsonNode body) {
        String id = text(body, "run_id");
        return id != null && !id.isBlank() ? id : required(body, "run_uuid");
    }

    private static String runId(QueryParams q) {
        String id = q.get("run_id", "");
        return !id.isBlank() ? id : requiredParam(q, "run_uuid");
    }

    private static String requiredParam(QueryParams q, String name) {
        String v = q.get(name, "");
        if (v.isBlank()) {
            throw RegistryException.invalid("Missing value for required parameter '" + name + "'");
        }
        return v;
    }
}
