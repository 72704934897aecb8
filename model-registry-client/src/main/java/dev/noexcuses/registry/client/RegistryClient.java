package dev.noexcuses.registry.client;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Java client of the model registry, for pipelines and serving: create runs and log to them (parameters,
 * metrics with step, tags, input datasets at their Iceberg snapshots, artifacts), register versions with
 * their gates, and resolve an alias ({@code churn@champion}) to a version and its artifact.
 *
 * <pre>{@code
 * RegistryClient registry = RegistryClient.create(URI.create("http://localhost:8096"), token);
 * RegistryClient.RunHandle run = registry.startRun("churn", "xgb-depth-6", gitCommit, Map.of("max_depth", "6"),
 *         List.of(new RegistryClient.DatasetRef("features.user_daily", snapshotId, "training")));
 * run.logMetric("auc", 0.81, 10);
 * run.uploadArtifact("model/model.xgb", bytes);
 * run.finish("FINISHED");
 * registry.registerVersion("churn", run.runId(), "model/model.xgb", signature, List.of(new Gate("auc", true, "0.81 >= 0.75")));
 * RegistryClient.ResolvedModel champion = registry.resolve("churn", "champion");
 * }</pre>
 *
 * Every call throws {@link RegistryCallException} with the server's status and message when refused.
 */
public final class RegistryClient {
    /** Its own mapper: the client depends on Jackson alone, not on the platform's modules. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    private RegistryClient(URI base, String token, HttpClient http, Duration timeout) {
        this.base = base;
        this.token = token;
        this.http = http;
        this.timeout = timeout;
    }

    /** @param base the registry's URL, e.g. {@code http://localhost:8096}; @param token the user's bearer token */
    public static RegistryClient create(URI base, String token) {
        requireNonNull(base, "base is null");
        requireNonNull(token, "token is null");
        String b = base.toString().replaceAll("/+$", "");
        return new RegistryClient(URI.create(b), token, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
                Duration.ofMinutes(2));
    }

    // ---- what the calls return

    /** A refused or failed call: the HTTP status, the server's error code and message. */
    public static final class RegistryCallException extends RuntimeException {
        private final int status;
        private final String errorCode;

        RegistryCallException(int status, String errorCode, String message) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }

        public int status() {
            return status;
        }

        public String errorCode() {
            return errorCode;
        }
    }

    /** An input of a run: an Iceberg table at the snapshot read, and its use (training, validation ...). */
    public record DatasetRef(String table, long snapshotId, String context) {}

    /** One input feature of a model's signature. */
    public record Feature(String name, String type) {}

    /** A validation gate's result, e.g. {@code new Gate("auc-above-baseline", true, "0.81 >= 0.75")}. */
    public record Gate(String gate, boolean passed, String detail) {}

    /** A metric value at a step and time (epoch ms). */
    public record MetricPoint(String key, double value, long step, long timestamp) {}

    /** A registered version: where its artifact is, which run made it, its aliases and whether its gates passed. */
    public record ModelVersion(String model, int version, String runId, String source, List<Feature> signature,
                               Map<String, Double> metrics, List<String> aliases, List<Gate> gates) {}

    /** What an alias resolved to: the version and its artifact location. */
    public record ResolvedModel(String model, String alias, int version, String source, String runId) {}

    // ---- tracking

    /** The experiment's id, creating it when it does not exist yet. */
    public long experiment(String name) {
        JsonNode out = call("POST", "/api/v1/experiments", object().put("name", name));
        return out.path("experiment").path("experiment_id").asLong();
    }

    /** Starts a run in the experiment (created when missing) with its code version, parameters and input datasets. */
    public RunHandle startRun(String experiment, String runName, String gitCommit, Map<String, String> params,
                              List<DatasetRef> datasets) {
        ObjectNode body = object().put("experiment", experiment).put("name", runName).put("git_commit", gitCommit);
        body.set("params", JSON.valueToTree(params));
        body.set("datasets", JSON.valueToTree(datasets));
        JsonNode run = call("POST", "/api/v1/runs", body).path("run");
        return new RunHandle(run.path("run_id").asText(), run.path("artifact_uri").asText());
    }

    /** A run to log to. */
    public final class RunHandle {
        private final String runId;
        private final String artifactUri;

        private RunHandle(String runId, String artifactUri) {
            this.runId = runId;
            this.artifactUri = artifactUri;
        }

        public String runId() {
            return runId;
        }

        /** The run's artifact root (an S3 URI). */
        public String artifactUri() {
            return artifactUri;
        }

        public void logMetric(String key, double value, long step) {
            logMetrics(List.of(new MetricPoint(key, value, step, System.currentTimeMillis())));
        }

        public void logMetrics(List<MetricPoint> metrics) {
            ObjectNode body = object();
            body.set("metrics", JSON.valueToTree(metrics));
            call("POST", "/api/v1/runs/" + runId + "/log", body);
        }

        public void logParams(Map<String, String> params) {
            ObjectNode body = object();
            body.set("params", JSON.valueToTree(params));
            call("POST", "/api/v1/runs/" + runId + "/log", body);
        }

        public void setTags(Map<String, String> tags) {
            ObjectNode body = object();
            body.set("tags", JSON.valueToTree(tags));
            call("POST", "/api/v1/runs/" + runId + "/log", body);
        }

        public void logDatasets(List<DatasetRef> datasets) {
            ObjectNode body = object();
            body.set("datasets", JSON.valueToTree(datasets));
            call("POST", "/api/v1/runs/" + runId + "/log", body);
        }

        /** Stores a file under the run's artifact root (in S3, through the registry: no S3 credentials needed here). */
        public void uploadArtifact(String path, byte[] content) {
            send(HttpRequest.newBuilder(uri("/api/v1/runs/" + runId + "/artifacts/" + encodePath(path)))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(content)));
        }

        /** Ends the run: FINISHED, FAILED or KILLED. */
        public void finish(String status) {
            call("POST", "/api/v1/runs/" + runId + "/finish", object().put("status", status));
        }
    }

    /** A run's artifact file. */
    public byte[] downloadArtifact(String runId, String path) {
        return send(HttpRequest.newBuilder(uri("/api/v1/runs/" + runId + "/artifacts/" + encodePath(path))).GET());
    }

    /**
     * The artifact file of a resolved version registered from a run's artifact (what serving loads for
     * {@code model@champion}); a version whose source lies outside its run's artifacts has no such file here.
     */
    public byte[] downloadModel(ResolvedModel model) {
        String marker = model.runId() == null ? null : "/" + model.runId() + "/artifacts/";
        int at = marker == null ? -1 : model.source().indexOf(marker);
        if (at < 0) {
            throw new RegistryCallException(400, "INVALID_PARAMETER_VALUE", model.model() + " v" + model.version()
                    + " has its artifact at " + model.source() + ", outside a run of the registry: read it from there");
        }
        return downloadArtifact(model.runId(), model.source().substring(at + marker.length()));
    }

    public List<MetricPoint> metricHistory(String runId, String key) {
        JsonNode out = call("GET", "/api/v1/runs/" + runId + "/metrics/" + encode(key), null);
        List<MetricPoint> points = new ArrayList<>();
        out.path("metrics").forEach(m -> points.add(JSON.convertValue(m, MetricPoint.class)));
        return points;
    }

    // ---- registry

    /**
     * Registers the next version of a model from a run's artifact (the model is created on its first
     * version); without metrics of its own the version takes the run's latest metrics.
     */
    public ModelVersion registerVersion(String model, String runId, String artifactPath, List<Feature> signature,
                                        List<Gate> gates) {
        ObjectNode body = object().put("run_id", runId).put("artifact_path", artifactPath);
        body.set("signature", JSON.valueToTree(signature));
        body.set("gates", JSON.valueToTree(gates));
        return version(call("POST", "/api/v1/models/" + encode(model) + "/versions", body).path("model_version"));
    }

    public ModelVersion recordGate(String model, int version, Gate gate) {
        return version(call("POST", "/api/v1/models/" + encode(model) + "/versions/" + version + "/gates",
                JSON.valueToTree(gate)).path("model_version"));
    }

    public ModelVersion version(String model, int version) {
        return version(call("GET", "/api/v1/models/" + encode(model) + "/versions/" + version, null).path("model_version"));
    }

    /** The version an alias points at now, or empty when the model has no such alias. */
    public Optional<ResolvedModel> tryResolve(String model, String alias) {
        return resolveAt(model, alias, null);
    }

    /** The version an alias points at now; a {@link RegistryCallException} (404) when there is none. */
    public ResolvedModel resolve(String model, String alias) {
        return tryResolve(model, alias).orElseThrow(() -> new RegistryCallException(404, "RESOURCE_DOES_NOT_EXIST",
                "Model '" + model + "' has no alias '" + alias + "'"));
    }

    /** The version the alias pointed at at time {@code at}. */
    public Optional<ResolvedModel> resolveAsOf(String model, String alias, Instant at) {
        return resolveAt(model, alias, at);
    }

    private Optional<ResolvedModel> resolveAt(String model, String alias, Instant at) {
        try {
            JsonNode out = call("GET", "/api/v1/models/" + encode(model) + "/aliases/" + encode(alias)
                    + (at == null ? "" : "?as_of=" + at.toEpochMilli()), null);
            JsonNode v = out.path("model_version");
            return Optional.of(new ResolvedModel(model, alias, out.path("version").asInt(), v.path("source").asText(),
                    v.path("run_id").isNull() ? null : v.path("run_id").asText(null)));
        } catch (RegistryCallException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Moves an unprotected alias (e.g. challenger); a protected one (champion) needs {@link #requestPromotion}. */
    public void setAlias(String model, String alias, int version, String reason) {
        call("PUT", "/api/v1/models/" + encode(model) + "/aliases/" + encode(alias),
                object().put("version", version).put("reason", reason));
    }

    /** Asks for a protected alias to move to a version; returns the request's id. Another user approves it. */
    public long requestPromotion(String model, String alias, int version, String reason) {
        return call("POST", "/api/v1/models/" + encode(model) + "/promotions",
                object().put("alias", alias).put("version", version).put("reason", reason)).path("request").path("request_id").asLong();
    }

    public void approve(long requestId, String comment) {
        call("POST", "/api/v1/promotions/" + requestId + "/approve", object().put("comment", comment));
    }

    public void reject(long requestId, String comment) {
        call("POST", "/api/v1/promotions/" + requestId + "/reject", object().put("comment", comment));
    }

    /** Any GET of the REST API as JSON (for what this client has no method for). */
    public JsonNode get(String pathAndQuery) {
        return call("GET", pathAndQuery, null);
    }

    /** Any POST of the REST API with a JSON body. */
    public JsonNode post(String path, JsonNode body) {
        return call("POST", path, body);
    }

    // ---- HTTP

    private static ModelVersion version(JsonNode v) {
        List<Feature> signature = new ArrayList<>();
        v.path("signature").forEach(f -> signature.add(new Feature(f.path("name").asText(), f.path("type").asText())));
        List<Gate> gates = new ArrayList<>();
        v.path("gates").forEach(g -> gates.add(new Gate(g.path("gate").asText(), g.path("passed").asBoolean(), g.path("detail").asText())));
        List<String> aliases = new ArrayList<>();
        v.path("aliases").forEach(a -> aliases.add(a.asText()));
        Map<String, Double> metrics = JSON.convertValue(v.path("metrics"),
                JSON.getTypeFactory().constructMapType(Map.class, String.class, Double.class));
        return new ModelVersion(v.path("model").asText(), v.path("version").asInt(),
                v.path("run_id").isNull() ? null : v.path("run_id").asText(null), v.path("source").asText(),
                signature, metrics == null ? Map.of() : metrics, aliases, gates);
    }

    private JsonNode call(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString()));
        byte[] response = send(request);
        try {
            return response.length == 0 ? JSON.createObjectNode() : JSON.readTree(response);
        } catch (IOException e) {
            throw new RegistryCallException(502, "BAD_RESPONSE", "Unreadable answer from the registry at " + base + ": " + e.getMessage());
        }
    }

    private byte[] send(HttpRequest.Builder request) {
        request.header("Authorization", "Bearer " + token).timeout(timeout);
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new RegistryCallException(503, "UNAVAILABLE", "The registry at " + base + " is unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryCallException(503, "INTERRUPTED", "Interrupted while calling the registry at " + base);
        }
        if (response.statusCode() / 100 != 2) {
            String code = "HTTP_" + response.statusCode();
            String message = new String(response.body(), StandardCharsets.UTF_8);
            try {
                JsonNode error = JSON.readTree(response.body());
                code = error.path("error_code").asText(code);
                message = error.path("message").asText(message);
            } catch (IOException | RuntimeException ignored) {
                // Not JSON: the body as it is.
            }
            throw new RegistryCallException(response.statusCode(), code, message);
        }
        return response.body();
    }

    private URI uri(String pathAndQuery) {
        return URI.create(base + pathAndQuery);
    }

    private static ObjectNode object() {
        return JSON.createObjectNode();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        StringBuilder out = new StringBuilder();
        for (String segment : path.replaceAll("^/+", "").split("/")) {
            if (out.length() > 0) {
                out.append('/');
            }
            out.append(encode(segment));
        }
        return out.toString();
    }
}
