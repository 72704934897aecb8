package dev.noexcuses.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.registry.client.RegistryClient;
import dev.noexcuses.registry.client.RegistryClient.DatasetRef;
import dev.noexcuses.registry.client.RegistryClient.Feature;
import dev.noexcuses.registry.client.RegistryClient.Gate;
import dev.noexcuses.registry.client.RegistryClient.RegistryCallException;
import dev.noexcuses.registry.store.RegistryDatabase;
import dev.noexcuses.registry.tracking.RunQuery;
import dev.noexcuses.registry.tracking.TrackingStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The registry against the real PostgreSQL and S3, through its HTTP API and the Java client the pipelines
 * use: who may call what, lineage, alias history, guarded promotion, and run lists of 20,000 runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelRegistryTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private TestRegistry registry;
    private RegistryClient alice;
    private RegistryClient bob;
    private RegistryClient pipeline;
    private RegistryClient viewer;

    @BeforeAll
    void start() {
        registry = new TestRegistry();
        alice = registry.client(TestRegistry.ALICE);
        bob = registry.client(TestRegistry.BOB);
        pipeline = registry.client(TestRegistry.PIPELINE);
        viewer = registry.client(TestRegistry.VIEWER);
    }

    @AfterAll
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void noTokenIs401AnUnknownTokenIs401AndAMissingRoleIs403() throws Exception {
        assertThat(status("GET", "/api/v1/models", null, null)).isEqualTo(401);
        assertThat(status("GET", "/api/v1/models", "not-a-token", null)).isEqualTo(401);
        assertThat(status("GET", "/api/2.0/mlflow/experiments/list", null, null)).isEqualTo(401);
        // A viewer reads but does not write; an approver does not register.
        assertThat(status("GET", "/api/v1/models", TestRegistry.VIEWER, null)).isEqualTo(200);
        assertThat(status("POST", "/api/v1/experiments", TestRegistry.VIEWER, "{\"name\":\"nope\"}")).isEqualTo(403);
        assertThat(status("POST", "/api/v1/models/nope/versions", TestRegistry.BOB, "{\"source\":\"s3://b/k\"}")).isEqualTo(403);
        assertThat(status("POST", "/api/2.0/mlflow/experiments/create", TestRegistry.VIEWER, "{\"name\":\"nope\"}")).isEqualTo(403);
        assertThat(status("GET", "/healthz", null, null)).isEqualTo(200);
        assertThat(viewer.get("/api/v1/whoami").path("user").asText()).isEqualTo("viewer");
    }

    @Test
    void aRegistryReachableFromOtherMachinesRefusesToStartWithTheShippedPublicTokens() {
        assertThatThrownBy(() -> ModelRegistry.start(PlatformConfig.defaults(Map.of("model-registry.host", "0.0.0.0",
                "model-registry.port", "0"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("0.0.0.0")
                .hasMessageContaining("ml-pipeline");
    }

    @Test
    void aVersionLeadsToItsRunItsCodeAndTheDatasetSnapshotsTheRunRead() {
        RegistryClient.RunHandle run = pipeline.startRun("churn-lineage", "xgb-depth-6", "4f2c9e1d", Map.of("max_depth", "6", "eta", "0.1"),
                List.of(new DatasetRef("features.user_daily", 8_116_002_471_235_001L, "training"),
                        new DatasetRef("curated.sessions", 3_001_998_000_000_002L, "validation")));
        for (int step = 0; step < 5; step++) {
            run.logMetric("auc", 0.70 + step * 0.02, step);
        }
        byte[] model = "binary xgboost model".getBytes(StandardCharsets.UTF_8);
        run.uploadArtifact("model/model.xgb", model);
        run.finish("FINISHED");

        RegistryClient.ModelVersion v = pipeline.registerVersion("churn-lineage", run.runId(), "model/model.xgb",
                List.of(new Feature("sessions_7d", "double"), new Feature("country", "string")),
                List.of(new Gate("auc-above-baseline", true, "0.78 >= 0.75")));

        assertThat(v.version()).isEqualTo(1);
        assertThat(v.source()).isEqualTo(run.artifactUri() + "/model/model.xgb").startsWith("s3://");
        assertThat(v.metrics()).containsEntry("auc", 0.70 + 4 * 0.02);
        JsonNode lineage = viewer.get("/api/v1/models/churn-lineage/versions/1").path("model_version").path("run");
        assertThat(lineage.path("run_id").asText()).isEqualTo(run.runId());
        assertThat(lineage.path("git_commit").asText()).isEqualTo("4f2c9e1d");
        assertThat(lineage.path("params").path("max_depth").asText()).isEqualTo("6");
        List<String> datasets = new ArrayList<>();
        lineage.path("datasets").forEach(d -> datasets.add(d.path("table").asText() + "@" + d.path("snapshot_id").asLong()
                + "/" + d.path("context").asText()));
        assertThat(datasets).containsExactlyInAnyOrder("features.user_daily@8116002471235001/training",
                "curated.sessions@3001998000000002/validation");
        // The artifact is in S3 under the run and comes back byte for byte; the history keeps every step.
        assertThat(viewer.downloadArtifact(run.runId(), "model/model.xgb")).isEqualTo(model);
        pipeline.setAlias("churn-lineage", "challenger", 1, "lineage test");
        assertThat(viewer.downloadModel(viewer.resolve("churn-lineage", "challenger"))).isEqualTo(model);
        assertThat(pipeline.metricHistory(run.runId(), "auc")).extracting(RegistryClient.MetricPoint::step)
                .containsExactly(0L, 1L, 2L, 3L, 4L);
        // The run knows the version it made.
        assertThat(viewer.get("/api/v1/runs/" + run.runId()).path("model_versions").get(0).path("version").asInt()).isEqualTo(1);
    }

    @Test
    void aliasHistoryAnswersWhichVersionHadTheAliasAtAnyPastTime() {
        String model = "churn-history";
        int v1 = registerWithGates(model, true);
        int v2 = registerWithGates(model, true);
        Instant t0 = registry.clock.advance(Duration.ofHours(1));
        pipeline.setAlias(model, "challenger", v1, "first candidate");
        Instant t1 = registry.clock.advance(Duration.ofHours(1));
        pipeline.setAlias(model, "challenger", v2, "better candidate");
        Instant t2 = registry.clock.advance(Duration.ofHours(1));
        long request = alice.requestPromotion(model, "champion", v2, "beats v1 on last week's holdout");
        registry.clock.advance(Duration.ofMinutes(5));
        bob.approve(request, "checked the holdout report");
        Instant t3 = registry.clock.instant();
        registry.clock.advance(Duration.ofHours(1));

        assertThat(viewer.resolveAsOf(model, "challenger", t0.minusSeconds(1))).isEmpty();
        assertThat(viewer.resolveAsOf(model, "challenger", t0).orElseThrow().version()).isEqualTo(v1);
        assertThat(viewer.resolveAsOf(model, "challenger", t1.minusMillis(1)).orElseThrow().version()).isEqualTo(v1);
        assertThat(viewer.resolveAsOf(model, "challenger", t2).orElseThrow().version()).isEqualTo(v2);
        assertThat(viewer.resolveAsOf(model, "champion", t2)).isEmpty();
        assertThat(viewer.resolveAsOf(model, "champion", t3).orElseThrow().version()).isEqualTo(v2);
        assertThat(viewer.resolve(model, "champion").source()).endsWith("/model");

        JsonNode history = viewer.get("/api/v1/models/" + model + "/history?as_of=" + t1.plusSeconds(60));
        assertThat(history.path("aliases_as_of").path("challenger").asInt()).isEqualTo(v2);
        assertThat(history.path("aliases_as_of").has("champion")).isFalse();
        JsonNode championMove = history.path("events").get(0);
        assertThat(championMove.path("alias").asText()).isEqualTo("champion");
        assertThat(championMove.path("moved_by").asText()).isEqualTo("alice");
        assertThat(championMove.path("approved_by").asText()).isEqualTo("bob");
        assertThat(championMove.path("reason").asText()).isEqualTo("beats v1 on last week's holdout");
        assertThat(history.path("events")).hasSize(3);
    }

    @Test
    void aUserCannotApproveTheirOwnPromotionRequestAndProtectedAliasesCannotBeSetDirectly() {
        String model = "churn-guard";
        int v1 = registerWithGates(model, true);
        // champion moves only through a request: setting it directly is refused, here and through MLflow's path.
        assertThatThrownBy(() -> alice.setAlias(model, "champion", v1, "just do it"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(status("POST", "/api/2.0/mlflow/registered-models/alias", TestRegistry.ALICE,
                "{\"name\":\"" + model + "\",\"alias\":\"champion\",\"version\":\"" + v1 + "\"}")).isEqualTo(403);
        assertThatThrownBy(() -> alice.requestPromotion(model, "champion", v1, " "))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> assertThat(e.status()).isEqualTo(400));

        long request = alice.requestPromotion(model, "champion", v1, "first model in production");
        // alice is an approver too, but not of her own request.
        assertThatThrownBy(() -> alice.approve(request, "looks good to me"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("own promotion request");
                });
        // An editor without the approver role cannot approve either.
        assertThatThrownBy(() -> pipeline.approve(request, "ok"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(viewer.tryResolve(model, "champion")).isEmpty();

        bob.approve(request, "reviewed");
        assertThat(viewer.resolve(model, "champion").version()).isEqualTo(v1);
        // Every step is in the audit log, with who and why.
        List<String> audit = new ArrayList<>();
        viewer.get("/api/v1/audit?model=" + model).path("events").forEach(e ->
                audit.add(e.path("action").asText() + " by " + e.path("actor").asText()));
        assertThat(audit).containsSubsequence("alias_moved by bob", "promotion_approved by bob", "promotion_requested by alice");
        // The history cannot be rewritten, not even with SQL.
        assertThatThrownBy(() -> {
            try (Connection c = registry.sql(); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE alias_events SET version = 99");
            }
        }).hasMessageContaining("append-only");
    }

    @Test
    void aVersionWhoseGatesFailedCannotBePromotedNorApprovedAfterAGateFails() {
        String model = "churn-gates";
        int failing = registerWithGates(model, false);
        assertThatThrownBy(() -> alice.requestPromotion(model, "champion", failing, "it is newer"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("failed its validation gates", "auc-above-baseline");
                });
        // A version with no gate recorded is not promotable either.
        RegistryClient.RunHandle run = pipeline.startRun(model, "no-gates", "abc", Map.of(), List.of());
        int ungated = pipeline.registerVersion(model, run.runId(), "model", List.of(), List.of()).version();
        assertThatThrownBy(() -> alice.requestPromotion(model, "champion", ungated, "why not"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> assertThat(e.status()).isEqualTo(409));

        // Gates that pass at request time but fail before the approval block the approval.
        int passing = registerWithGates(model, true);
        long request = alice.requestPromotion(model, "champion", passing, "passes every gate");
        pipeline.recordGate(model, passing, new Gate("fairness", false, "recall gap 0.12 > 0.05"));
        assertThatThrownBy(() -> bob.approve(request, "ok"))
                .isInstanceOfSatisfying(RegistryCallException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(viewer.tryResolve(model, "champion")).isEmpty();
        bob.reject(request, "fairness gate failed");
        assertThat(viewer.get("/api/v1/promotions?status=rejected&model=" + model).path("requests").get(0)
                .path("decided_by").asText()).isEqualTo("bob");
    }

    @Test
    void twentyThousandRunsAreListedInKeysetPagesThatRunsAddedMeanwhileDoNotShift() throws Exception {
        long experiment = pipeline.experiment("many-runs");
        long base = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
        try (Connection c = registry.sql(); Statement s = c.createStatement()) {
            // What 20,000 training runs would have written; every 7th run shares its start time with the next.
            s.executeUpdate("INSERT INTO runs (run_id, experiment_id, name, user_name, status, start_time, artifact_uri) "
                    + "SELECT md5(g::text), " + experiment + ", 'run-' || g, 'pipeline', 'FINISHED', " + base + " + (g / 7 * 7) * 1000, "
                    + "'s3://bucket/runs/' || g FROM generate_series(1, 20000) g");
            s.executeUpdate("INSERT INTO run_latest_metrics (run_id, key, experiment_id, run_seq, value, step, timestamp) "
                    + "SELECT run_id, 'auc', experiment_id, run_seq, ((run_seq * 7919) % 10007) / 10007.0, 0, start_time FROM runs "
                    + "WHERE experiment_id = " + experiment);
            s.execute("ANALYZE runs");
            s.execute("ANALYZE run_latest_metrics");
        }

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = "";
        long previousStart = Long.MAX_VALUE;
        int page = 0;
        do {
            JsonNode answer = viewer.get("/api/v1/experiments/" + experiment + "/runs?limit=1000&page_token=" + token);
            pageSizes.add(answer.path("runs").size());
            for (JsonNode r : answer.path("runs")) {
                seen.add(r.path("run_id").asText());
                assertThat(r.path("start_time").asLong()).isLessThanOrEqualTo(previousStart);
                previousStart = r.path("start_time").asLong();
            }
            token = answer.path("next_page_token").asText("");
            if (++page == 1) {
                // Runs started after the list was opened: an offset would shift every later page by them.
                try (Connection c = registry.sql(); Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO runs (run_id, experiment_id, name, user_name, status, start_time, artifact_uri) "
                            + "SELECT 'late' || g, " + experiment + ", 'late-' || g, 'pipeline', 'RUNNING', " + (base + 10_000_000_000L)
                            + ", 's3://bucket/late' FROM generate_series(1, 5) g");
                }
                // The token says where the page ended (sort value and sequence), not how many rows came before it.
                JsonNode decoded = Json.mapper().readTree(Base64.getUrlDecoder().decode(token));
                assertThat(decoded.has("after")).isTrue();
                assertThat(decoded.has("seq")).isTrue();
                assertThat(decoded.toString()).doesNotContain("offset");
            }
        } while (!token.isEmpty());

        assertThat(pageSizes).hasSize(20).allMatch(size -> size == 1000);
        assertThat(seen).hasSize(20_000).doesNotHaveDuplicates().noneMatch(id -> id.startsWith("late"));

        // Deep pages are index range scans in the list's order: no sort of the experiment's runs per page.
        try (RegistryDatabase db = RegistryDatabase.open(registry.config)) {
            TrackingStore store = new TrackingStore(db, id -> "", (e, r) -> "");
            String pageTen = nthPageToken(store, experiment, "start_time DESC", 10);
            String plan = store.explain(new RunQuery(List.of(experiment), "", "start_time DESC", 1000, pageTen, null));
            assertThat(plan).contains("runs_by_start_time").doesNotContain("Sort");
            String metricPlan = store.explain(new RunQuery(List.of(experiment), "", "metrics.auc ASC", 1000,
                    nthPageToken(store, experiment, "metrics.auc ASC", 3), null));
            assertThat(metricPlan).contains("run_latest_metrics_by_value").doesNotContain("Sort");
        }

        // Sorted by a metric, pages follow the metric's order across page boundaries too.
        double previous = -1;
        Set<String> byMetric = new HashSet<>();
        token = "";
        for (int i = 0; i < 3; i++) {
            JsonNode answer = viewer.get("/api/v1/experiments/" + experiment + "/runs?limit=500&order_by="
                    + "metrics.auc%20ASC&page_token=" + token);
            assertThat(answer.path("runs")).hasSize(500);
            for (JsonNode r : answer.path("runs")) {
                double auc = r.path("metrics").get(0).path("value").asDouble();
                assertThat(auc).isGreaterThanOrEqualTo(previous);
                previous = auc;
                byMetric.add(r.path("run_id").asText());
            }
            token = answer.path("next_page_token").asText();
        }
        assertThat(byMetric).hasSize(1500);
    }

    private static String nthPageToken(TrackingStore store, long experiment, String order, int n) {
        String token = "";
        for (int i = 1; i < n; i++) {
            token = store.search(new RunQuery(List.of(experiment), "", order, 1000, token, null)).nextPageToken();
        }
        return token;
    }

    @Test
    void runListsFilterOnMetricsParamsAndStatus() {
        long experiment = pipeline.experiment("filtered");
        for (int depth = 2; depth <= 8; depth += 2) {
            RegistryClient.RunHandle run = pipeline.startRun("filtered", "depth-" + depth, "c0ffee", Map.of("max_depth",
                    String.valueOf(depth)), List.of());
            run.logMetric("auc", 0.6 + depth / 100.0, 0);
            run.finish(depth == 8 ? "FAILED" : "FINISHED");
        }
        List<String> names = new ArrayList<>();
        viewer.get("/api/v1/experiments/" + experiment + "/runs?filter=" + java.net.URLEncoder.encode(
                "metrics.auc > 0.63 and attributes.status = 'FINISHED'", StandardCharsets.UTF_8) + "&order_by=name%20ASC")
                .path("runs").forEach(r -> names.add(r.path("name").asText()));
        assertThat(names).containsExactly("depth-4", "depth-6");
        assertThat(status("GET", "/api/v1/experiments/" + experiment + "/runs?filter=metrics.auc%20~%201", TestRegistry.VIEWER, null))
                .isEqualTo(400);
    }

    private int registerWithGates(String model, boolean passed) {
        RegistryClient.RunHandle run = pipeline.startRun(model, "train", "deadbeef", Map.of("eta", "0.1"), List.of());
        run.logMetric("auc", passed ? 0.8 : 0.7, 0);
        run.finish("FINISHED");
        return pipeline.registerVersion(model, run.runId(), "model", List.of(new Feature("sessions_7d", "double")),
                List.of(new Gate("auc-above-baseline", passed, passed ? "0.80 >= 0.75" : "0.70 < 0.75"))).version();
    }

    private int status(String method, String path, String token, String body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.registry.url() + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
