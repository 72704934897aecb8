package dev.noexcuses.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enrichment.EnrichmentApiServer;
import dev.noexcuses.enrichment.scoring.EventFeatures;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.online.FeatureServer;
import dev.noexcuses.features.online.RedisConnections;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.registry.ModelRegistry;
import dev.noexcuses.registry.client.RegistryClient;
import dev.noexcuses.serving.client.ServingClient;
import dev.noexcuses.serving.gateway.ServingGateway;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;

/**
 * Releases of real XGBoost models (trained here) through the gateway, with real model server
 * processes, under bounded load on loopback; every answer counted. The rollout state is in the
 * shared embedded PostgreSQL, a database of its own. The tests run in order on one model: each
 * releases from the stable version the one before left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServingReleaseTest {
    private static final Duration ROLLOUT_BOUND = Duration.ofMinutes(4);
    /** One model released again and again, each test from the version the one before left stable: few processes. */
    private static final String MODEL = "churn";

    private Path dir;
    private Path v1;
    private Path v2;
    private Path shifted;
    private Path erroring;
    private Config config;
    private ModelRegistry registry;
    private FeatureServer features;
    private Config featureConfig;
    private ServingGateway gateway;
    private ServingClient api;
    private WebClient client;

    @BeforeAll
    void startGateway() throws Exception {
        dir = Files.createTempDirectory("serving-test");
        v1 = TrainedModels.train(dir.resolve("churn-1.json"), 1, false, null);
        v2 = TrainedModels.train(dir.resolve("churn-2.json"), 2, false, null);
        shifted = TrainedModels.train(dir.resolve("churn-shifted.json"), 1, true, null);
        erroring = TrainedModels.train(dir.resolve("churn-erroring.json"), 1, false, "tenure_days");
        registry = ModelRegistry.start(registryConfig());
        featureConfig = SharedLocalInfra.serviceConfig(Map.of("feature-store.online.port", "0"), "redis");
        features = FeatureServer.start(featureConfig, FeatureRegistry.shipped());
        config = freshDatabase(Map.of(
                "platform.data-dir", dir.toString(),
                "serving.gateway.port", "0",
                "serving.gateway.poll-interval", "100ms",
                "serving.model-server.warmup-predictions", "50",
                "serving.registry.url", registry.url(),
                "serving.registry.token", SERVING_TOKEN,
                "serving.features.url", features.url()));
        gateway = ServingGateway.start(config);
        api = new ServingClient(gateway.url(), "");
        client = WebClient.builder(gateway.url()).responseTimeout(Duration.ofSeconds(20)).build();
        deployFirstVersion(MODEL, v1);
    }

    @AfterAll
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
        }
        if (features != null) {
            features.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @Order(1)
    void canaryWhoseCandidateFailsEveryRequestIsRolledBackWithTheErrorRateAndNoClientSeesAFailure() throws Exception {
        JsonNode done;
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            long id = api.start(spec(MODEL, "bad-errors", erroring, "canary", canary("[20, 50]", "1s", 40))).path("id").asLong();
            done = awaitEnd(id);
            load.close();
            // The gateway answered every request the candidate failed from the stable version.
            assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
        }
        assertThat(done.path("state").asText()).isEqualTo("rolled_back");
        assertThat(done.path("reason").asText()).contains("error rate");
        JsonNode values = done.path("detail").path("analyses").get(0).path("values");
        assertThat(values.path("canary_error_rate").asDouble()).isEqualTo(1.0);
        assertThat(values.path("error_test_p_value").asDouble()).isLessThan(0.05);
        assertThat(versionsAnswering(MODEL, 20)).containsOnly("1");
    }

    @Test
    @Order(2)
    void canaryWhosePredictionsShiftIsRolledBackForDrift() throws Exception {
        JsonNode done;
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            long id = api.start(spec(MODEL, "bad-drift", shifted, "canary", canary("[20, 50]", "1s", 40))).path("id").asLong();
            done = awaitEnd(id);
            load.close();
            assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
        }
        assertThat(done.path("state").asText()).isEqualTo("rolled_back");
        assertThat(done.path("reason").asText()).contains("prediction drift");
        assertThat(done.path("detail").path("analyses").get(0).path("values").path("psi").asDouble()).isGreaterThan(0.5);
        assertThat(versionsAnswering(MODEL, 20)).containsOnly("1");
    }

    @Test
    @Order(3)
    void shadowLeavesThePrimaryAnswersIdenticalAndItsComparisonGatesThePromotion() throws Exception {
        List<String> without = answers(MODEL, 300);
        long id = api.start(spec(MODEL, "shadow-shifted", shifted, "shadow", "shadow { share = 1.0, min-samples = 200, queue = 64 }"))
                .path("id").asLong();
        await().atMost(ROLLOUT_BOUND).until(() -> api.rollout(id).path("phase").asText().equals("shadowing"));
        List<String> with = answers(MODEL, 300);
        // Byte for byte the same answers, from the primary, while the shadow received copies.
        assertThat(with).isEqualTo(without);
        JsonNode done;
        // More traffic until the gate has its comparisons: a slow shadow's copies beyond the queue are dropped.
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            done = awaitEnd(id);
            load.close();
            assertThat(load.failed()).isZero();
        }
        assertThat(done.path("state").asText()).isEqualTo("rolled_back");
        assertThat(done.path("reason").asText()).contains("shadow comparison gate failed").contains("agreement");
        JsonNode shadow = done.path("detail").path("shadow");
        assertThat(shadow.path("compared").asLong() + shadow.path("shadow_errors").asLong()).isGreaterThanOrEqualTo(200);
        assertThat(shadow.path("agreement").asDouble()).isLessThan(0.95);
    }

    @Test
    @Order(4)
    void abortReturnsAllTrafficAtOnceAndStopsTheCandidate() throws Exception {
        long id = api.start(spec(MODEL, "2", v2, "canary", canary("[50]", "10m", 40))).path("id").asLong();
        await().atMost(ROLLOUT_BOUND).until(() -> api.rollout(id).path("phase").asText().equals("step"));
        assertThat(versionsAnswering(MODEL, 60)).contains("2");
        long candidatePid = api.rollout(id).path("detail").path("candidate_instances").get(0).path("pid").asLong();
        api.command(MODEL, "abort");
        JsonNode aborted = awaitEnd(id);
        assertThat(aborted.path("state").asText()).isEqualTo("aborted");
        assertThat(versionsAnswering(MODEL, 30)).containsOnly("1");
        assertThat(model(MODEL).path("traffic").path("candidate")).isEmpty();
        assertThat(ProcessHandle.of(candidatePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    @Order(5)
    void canaryRetriedAfterTheAbortPromotesStepByStepWithoutOneFailedRequest() throws Exception {
        JsonNode done;
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            // Version 2 is trained like version 1 (another seed), so their score distributions match: at a few
            // dozen canary answers the drift check tells sampling noise from drift (inconclusive, not failed).
            long id = api.start(spec(MODEL, "2", v2, "canary", canary("[10, 50]", "1s", 40))).path("id").asLong();
            done = awaitEnd(id);
            load.close();
            assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
            assertThat(load.answeredBy("1")).isPositive();
            assertThat(load.answeredBy("2")).isPositive();
        }
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("promoted");
        JsonNode analyses = done.path("detail").path("analyses");
        assertThat(analyses).hasSize(2);
        JsonNode last = analyses.get(1);
        assertThat(last.path("outcome").asText()).isEqualTo("pass");
        assertThat(last.path("percent").asInt()).isEqualTo(50);
        assertThat(last.path("values").path("canary_requests").asLong()).isGreaterThanOrEqualTo(40);
        assertThat(last.path("values").has("psi_noise_limit")).isTrue();
        assertThat(last.path("values").has("error_test_p_value")).isTrue();
        assertThat(last.path("values").has("psi")).isTrue();
        assertThat(versionsAnswering(MODEL, 20)).containsOnly("2");
    }

    @Test
    @Order(6)
    void blueGreenSwitchesAfterASmokeTestWithoutOneFailedRequestAndRollsBackAtOnce() throws Exception {
        JsonNode done;
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            long id = api.start(spec(MODEL, "3", v1, "blue-green", "blue-green { smoke-requests = 10, keep-blue = 10m }"))
                    .path("id").asLong();
            done = awaitEnd(id);
            assertThat(versionsAnswering(MODEL, 10)).containsOnly("3");
            // Blue still runs: rolling back switches at once, without starting anything.
            JsonNode back = api.command(MODEL, "rollback");
            assertThat(back.path("reason").asText()).contains("switched at once");
            assertThat(versionsAnswering(MODEL, 10)).containsOnly("2");
            load.close();
            assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
        }
        assertThat(done.path("state").asText()).isEqualTo("promoted");
        assertThat(done.path("detail").path("smoke_test").path("succeeded").asInt()).isEqualTo(10);
    }

    @Test
    @Order(7)
    void aBlueKeptForAWhileIsStoppedOnceItsTimeIsUp() throws Exception {
        long bluePid = model(MODEL).path("instances").get(0).path("pid").asLong();
        long id = api.start(spec(MODEL, "3-green", v1, "blue-green", "blue-green { smoke-requests = 10, keep-blue = 2s }"))
                .path("id").asLong();
        JsonNode done = awaitEnd(id);
        assertThat(done.path("state").asText()).isEqualTo("promoted");
        assertThat(done.path("detail").path("events").toString()).contains("kept running until");
        await("the blue stopped once its 2 s were up").atMost(Duration.ofSeconds(60))
                .until(() -> model(MODEL).path("previous_kept_until").isNull()
                        && ProcessHandle.of(bluePid).map(p -> !p.isAlive()).orElse(true));
        assertThat(model(MODEL).path("previous_version").asText()).isEqualTo("2");
        assertThat(versionsAnswering(MODEL, 10)).containsOnly("3-green");
    }

    @Test
    @Order(8)
    void recreateStopsTheOldVersionFirstAndReportsTheMeasuredDowntime() throws Exception {
        long id = api.start(spec(MODEL, "4", v1, "recreate", "")).path("id").asLong();
        JsonNode done = awaitEnd(id);
        assertThat(done.path("state").asText()).isEqualTo("promoted");
        assertThat(done.path("detail").path("downtime_ms").asLong()).isPositive();
        assertThat(done.path("reason").asText()).contains("measured downtime");
        assertThat(versionsAnswering(MODEL, 10)).containsOnly("4");
    }

    @Test
    @Order(9)
    void promotingOnPurposeWorksWhileTheStableVersionIsDown() throws Exception {
        long id = api.start(spec(MODEL, "5", v2, "canary", canary("[10]", "10m", 40))).path("id").asLong();
        await().atMost(ROLLOUT_BOUND).until(() -> api.rollout(id).path("phase").asText().equals("step"));
        long stablePid = model(MODEL).path("instances").get(0).path("pid").asLong();
        ProcessHandle.of(stablePid).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(stablePid).map(p -> !p.isAlive()).orElse(true));
        api.command(MODEL, "promote");
        JsonNode done = awaitEnd(id);
        assertThat(done.path("state").asText()).isEqualTo("promoted");
        assertThat(done.path("reason").asText()).contains("operator");
        assertThat(versionsAnswering(MODEL, 10)).containsOnly("5");
    }

    @Test
    @Order(10)
    void aRestartedGatewayTakesItsModelServersOverAndResumesTheRolloutWhereItWas() throws Exception {
        long id = api.start(spec(MODEL, "6", v1, "canary", canary("[10, 50]", "1s", 40))).path("id").asLong();
        await().atMost(ROLLOUT_BOUND).until(() -> api.rollout(id).path("phase").asText().equals("step"));
        long stablePid = model(MODEL).path("instances").get(0).path("pid").asLong();
        gateway.closeLeavingModelServers();
        gateway = ServingGateway.start(config);
        api = new ServingClient(gateway.url(), "");
        client = WebClient.builder(gateway.url()).responseTimeout(Duration.ofSeconds(20)).build();
        // The new gateway took the running stable server over instead of starting another.
        assertThat(model(MODEL).path("instances").get(0).path("pid").asLong()).isEqualTo(stablePid);
        try (Load load = Load.start(gateway.url(), MODEL, 2, 3, ROLLOUT_BOUND)) {
            JsonNode done = awaitEnd(id);
            load.close();
            assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("promoted");
            assertThat(load.failed()).isZero();
        }
    }

    @Test
    @Order(11)
    void rollingUpdateReplacesReplicasOneByOneWithoutOneFailedRequest() throws Exception {
        deployFirstVersion("churn-rolling", v1, 2);
        JsonNode done;
        try (Load load = Load.start(gateway.url(), "churn-rolling", 2, 3, ROLLOUT_BOUND)) {
            long id = api.start(spec("churn-rolling", "2", v2, "rolling",
                    "replicas = 2\nrolling { max-surge = 1, max-unavailable = 0 }")).path("id").asLong();
            done = awaitEnd(id);
            load.close();
            assertThat(load.failed()).as("failed requests: %s", load.failures()).isZero();
        }
        assertThat(done.path("state").asText()).isEqualTo("promoted");
        List<String> events = new ArrayList<>();
        done.path("detail").path("events").forEach(e -> events.add(e.path("message").asText()));
        assertThat(events.stream().filter(e -> e.startsWith("new replica"))).hasSize(2);
        assertThat(events.stream().filter(e -> e.startsWith("old replica"))).hasSize(2);
        JsonNode model = model("churn-rolling");
        assertThat(model.path("instances")).hasSize(2);
        model.path("instances").forEach(i -> assertThat(i.path("version").asText()).isEqualTo("2"));
    }

    @Test
    @Order(12)
    void theEnrichmentApiScoresEachEventWithTheVersionTheGatewayServesIt() throws Exception {
        Path eventModel1 = TrainedModels.trainOnRandomRows(dir.resolve("event-score-1.json"), EventFeatures.NAMES, 1);
        Path eventModel2 = TrainedModels.trainOnRandomRows(dir.resolve("event-score-2.json"), EventFeatures.NAMES, 2);
        Config apiConfig = PlatformConfig.defaults(Map.of("enrichment-api.port", "0",
                "enrichment-api.scoring.gateway-url", gateway.url(), "enrichment-api.scoring.model", "event-score-test"));
        String event = "{\"event_id\": \"6a1f0f8e-3d7c-4a51-9b8e-2f2f6c1d9a10\", \"schema\": \"com.webshop/purchase/1-0-0\", "
                + "\"event_time\": \"2026-11-25T10:00:00Z\", \"source\": \"web-shop\", \"user_id\": \"u-1\", "
                + "\"data\": {\"order_id\": \"o-1\", \"value\": 42.5, \"currency\": \"EUR\", \"items\": []}}";
        try (EnrichmentApiServer enrichmentApi = EnrichmentApiServer.start(apiConfig)) {
            WebClient scoring = WebClient.of(enrichmentApi.localUrl());
            JsonNode before = Json.mapper().readTree(scoring.execute(HttpRequest.of(HttpMethod.POST, "/v1/score",
                    MediaType.JSON_UTF_8, event)).aggregate().join().contentUtf8());
            // No such model at the gateway yet: events pass unscored.
            assertThat(before.path("status").asText()).isEqualTo("no_model");

            deployFirstVersion("event-score-test", eventModel1);
            JsonNode first = Json.mapper().readTree(scoring.execute(HttpRequest.of(HttpMethod.POST, "/v1/score",
                    MediaType.JSON_UTF_8, event)).aggregate().join().contentUtf8());
            assertThat(first.path("status").asText()).isEqualTo("scored");
            assertThat(first.path("model").asText()).isEqualTo("event-score-test");
            assertThat(first.path("version").asText()).isEqualTo("1");

            long id = api.start(spec("event-score-test", "2", eventModel2, "blue-green", "blue-green { smoke-requests = 5 }"))
                    .path("id").asLong();
            assertThat(awaitEnd(id).path("state").asText()).isEqualTo("promoted");
            JsonNode after = Json.mapper().readTree(scoring.execute(HttpRequest.of(HttpMethod.POST, "/v1/score",
                    MediaType.JSON_UTF_8, event)).aggregate().join().contentUtf8());
            assertThat(after.path("version").asText()).isEqualTo("2");
            assertThat(after.path("score").asDouble()).isBetween(0.0, 1.0);
        }
    }

    @Test
    @Order(13)
    void rolloutsNameTheRegistrysAliasOrVersionAndTheGatewayServesAndRecordsTheVersionItResolved() throws Exception {
        RegistryClient pipeline = RegistryClient.create(URI.create(registry.url()), PIPELINE_TOKEN);
        for (int seed = 1; seed <= 2; seed++) {
            Path file = TrainedModels.trainOnRandomRows(dir.resolve("store-" + seed + ".json"), STORE_MODEL_FEATURES, seed);
            RegistryClient.RunHandle run = pipeline.startRun(STORE_MODEL, "xgb-" + seed, "test", Map.of("seed", "" + seed), List.of());
            run.uploadArtifact("model/model.json", Files.readAllBytes(file));
            run.finish("FINISHED");
            pipeline.registerVersion(STORE_MODEL, run.runId(), "model/model.json",
                    STORE_MODEL_FEATURES.stream().map(f -> new RegistryClient.Feature(f, "double")).toList(),
                    List.of(new RegistryClient.Gate("auc", true, "0.9 >= 0.7")));
        }
        long request = pipeline.requestPromotion(STORE_MODEL, "champion", 1, "first churn model on the feature store");
        RegistryClient.create(URI.create(registry.url()), REVIEWER_TOKEN).approve(request, "looks right");

        long id = api.start("model = " + STORE_MODEL + "\nalias = champion\n").path("id").asLong();
        JsonNode first = awaitEnd(id);
        assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("promoted");
        // The version the alias pointed at, recorded with where it came from.
        assertThat(first.path("candidate_version").asText()).isEqualTo("1");
        assertThat(first.path("spec").path("registry").path("alias").asText()).isEqualTo("champion");
        assertThat(first.path("spec").path("registry").path("source").asText()).endsWith("/artifacts/model/model.json");
        assertThat(first.path("detail").path("events").get(0).path("message").asText())
                .startsWith(STORE_MODEL + "@champion (v1) resolved by the model registry");
        assertThat(model(STORE_MODEL).path("stable_registry").path("alias").asText()).isEqualTo("champion");
        assertThat(versionsAnsweringStoreModel(STORE_MODEL, 5)).containsOnly("1");

        long second = api.start("model = " + STORE_MODEL + "\nversion = \"2\"\nstrategy = blue-green\n"
                + "blue-green { smoke-requests = 5 }").path("id").asLong();
        JsonNode done = awaitEnd(second);
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("promoted");
        assertThat(done.path("spec").path("registry").path("version").asText()).isEqualTo("2");
        assertThat(versionsAnsweringStoreModel(STORE_MODEL, 5)).containsOnly("2");
        assertThat(dir.resolve("models/registry/" + STORE_MODEL + "/2/model.json")).isRegularFile();

        assertThatThrownBy(() -> api.start("model = " + STORE_MODEL + "\nalias = nobody-set-this\n"))
                .hasMessageContaining("400").hasMessageContaining("no alias 'nobody-set-this'");
    }

    @Test
    @Order(14)
    void aRequestWithJustAUserKeyIsScoredOnThatUsersFeaturesFromTheOnlineStoreAndAnUnknownUserIsTold() throws Exception {
        long now = System.currentTimeMillis();
        try (Jedis redis = RedisConnections.connect(RedisAccess.from(featureConfig))) {
            redis.hset("fs:user:u-store-1", Map.of(
                    "user_activity:_feature_time", Long.toString(now - 3_600_000),
                    "user_activity:sessions_7d", "9", "user_activity:days_since_last_visit", "1",
                    "user_cart:_feature_time", Long.toString(now - 3_600_000), "user_cart:cart_adds_7d", "4"));
            redis.pexpire("fs:user:u-store-1", 600_000);
        }
        AggregatedHttpResponse byKey = predictBody(STORE_MODEL, "{\"user_key\": \"u-store-1\", \"features\": {\"cart_value\": 12.5}}");
        assertThat(byKey.status().code()).as(byKey.contentUtf8()).isEqualTo(200);
        Map<String, Double> stored = new HashMap<>();
        stored.put("user_activity__sessions_7d", 9.0);
        stored.put("user_activity__days_since_last_visit", 1.0);
        stored.put("user_cart__cart_adds_7d", 4.0);
        stored.put("cart_value", 12.5);
        AggregatedHttpResponse given = predict(STORE_MODEL, stored);
        // Scored on exactly the stored values: the same score as a request that gives them.
        assertThat(Json.mapper().readTree(byKey.contentUtf8()).path("score").asDouble())
                .isEqualTo(Json.mapper().readTree(given.contentUtf8()).path("score").asDouble());

        // The key as the header that also picks an A/B arm: the same row.
        AggregatedHttpResponse byHeader = client.execute(HttpRequest.builder().post("/v1/models/" + STORE_MODEL + "/predict")
                .header("x-user-key", "u-store-1").content(MediaType.JSON_UTF_8, "{\"features\": {\"cart_value\": 12.5}}")
                .build()).aggregate().join();
        assertThat(byHeader.contentUtf8()).isEqualTo(byKey.contentUtf8());

        AggregatedHttpResponse unknown = predictBody(STORE_MODEL, "{\"user_key\": \"u-nobody\", \"features\": {\"cart_value\": 1}}");
        assertThat(unknown.status().code()).isEqualTo(404);
        assertThat(unknown.contentUtf8()).contains("No features of user 'u-nobody' in the online feature store");

        // What the store does not hold must still come with the request: the model server names it.
        AggregatedHttpResponse partial = predictBody(STORE_MODEL, "{\"user_key\": \"u-store-1\"}");
        assertThat(partial.status().code()).isEqualTo(422);
        assertThat(partial.contentUtf8()).contains("cart_value");
    }

    // ---- helpers ----

    /** A model on the feature store's columns (<view>__<feature>) and one feature the request gives. */
    private static final String STORE_MODEL = "churn-store";
    private static final List<String> STORE_MODEL_FEATURES = List.of("user_activity__sessions_7d",
            "user_activity__days_since_last_visit", "user_cart__cart_adds_7d", "cart_value");
    private static final String PIPELINE_TOKEN = "pipeline-token-for-serving-tests";
    private static final String REVIEWER_TOKEN = "reviewer-token-for-serving-tests";
    private static final String SERVING_TOKEN = "serving-token-for-serving-tests";

    /** The versions of the store model that answered {@code n} requests giving every feature. */
    private List<String> versionsAnsweringStoreModel(String model, int n) {
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Double> row = new HashMap<>();
            STORE_MODEL_FEATURES.forEach(f -> row.put(f, 1.0));
            AggregatedHttpResponse res = predict(model, row);
            assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
            versions.add(res.headers().get("x-model-version"));
        }
        return versions;
    }

    private AggregatedHttpResponse predictBody(String model, String body) {
        return client.execute(HttpRequest.of(HttpMethod.POST, "/v1/models/" + model + "/predict", MediaType.JSON_UTF_8,
                body)).aggregate().join();
    }

    /** A registry of the test's own: a fresh database on the shared PostgreSQL, a folder of the shared S3. */
    private static Config registryConfig() throws Exception {
        Config database = freshDatabase(Map.of());
        String name = "serving-test-" + UUID.randomUUID().toString().substring(0, 8);
        return ConfigFactory.parseString("""
                model-registry {
                  port = 0
                  artifacts-prefix = "%s"
                  users = [
                    { name = "pipeline", token = "%s", roles = ["editor"] }
                    { name = "reviewer", token = "%s", roles = ["approver"] }
                    { name = "serving", token = "%s", roles = ["viewer"] }
                  ]
                }
                """.formatted(name, PIPELINE_TOKEN, REVIEWER_TOKEN, SERVING_TOKEN))
                .withFallback(ConfigFactory.parseMap(Map.of("postgres.jdbc-url", database.getString("postgres.jdbc-url"))))
                .withFallback(SharedLocalInfra.serviceConfig(Map.of(), "postgres", "s3"));
    }

    // ---- helpers of every test ----

    private void deployFirstVersion(String model, Path file) {
        deployFirstVersion(model, file, 1);
    }

    private void deployFirstVersion(String model, Path file, int replicas) {
        long id = api.start(spec(model, "1", file, "canary", "replicas = " + replicas)).path("id").asLong();
        JsonNode done = awaitEnd(id);
        assertThat(done.path("state").asText()).as(done.toString()).isEqualTo("promoted");
    }

    private JsonNode awaitEnd(long id) {
        JsonNode[] last = new JsonNode[1];
        try {
            await().atMost(ROLLOUT_BOUND).pollInterval(Duration.ofMillis(200)).until(() -> {
                last[0] = api.rollout(id);
                String state = last[0].path("state").asText();
                return !state.equals("progressing") && !state.equals("paused");
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("Rollout " + id + " did not end within " + ROLLOUT_BOUND + ": " + last[0], e);
        }
        return last[0];
    }

    private JsonNode model(String name) {
        for (JsonNode m : api.models()) {
            if (m.path("model").asText().equals(name)) {
                return m;
            }
        }
        throw new AssertionError("No model " + name + " in " + api.models());
    }

    private static String spec(String model, String version, Path file, String strategy, String extra) {
        return "model = \"" + model + "\"\nversion = \"" + version + "\"\nmodel-file = \"" + file + "\"\nstrategy = "
                + strategy + "\n" + extra + "\n";
    }

    /** Canary settings for a loaded test machine: latency is not what these tests judge. */
    private static String canary(String steps, String interval, int minSamples) {
        return "canary { steps = " + steps + ", analysis-interval = " + interval + ", min-samples = " + minSamples
                + ", max-psi = 0.5, max-p99-ratio = 50, p99-slack = 2s }";
    }

    /** The versions that answered {@code n} requests, one after the other. */
    private List<String> versionsAnswering(String model, int n) {
        List<String> versions = new ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < n; i++) {
            AggregatedHttpResponse res = predict(model, TrainedModels.row(random));
            assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
            versions.add(res.headers().get("x-model-version"));
        }
        return versions;
    }

    /** The bodies of the answers to {@code n} fixed requests. */
    private List<String> answers(String model, int n) {
        List<String> bodies = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < n; i++) {
            AggregatedHttpResponse res = predict(model, TrainedModels.row(random));
            assertThat(res.status().code()).isEqualTo(200);
            bodies.add(res.contentUtf8());
        }
        return bodies;
    }

    private AggregatedHttpResponse predict(String model, Map<String, Double> features) {
        return client.execute(HttpRequest.of(HttpMethod.POST, "/v1/models/" + model + "/predict", MediaType.JSON_UTF_8,
                Json.toBytes(Map.of("features", features)))).aggregate().join();
    }

    private static Config freshDatabase(Map<String, String> overrides) throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "serving_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put("postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + name);
        settings.put("postgres.user", shared.get("postgres.user"));
        settings.put("postgres.password", shared.get("postgres.password"));
        return PlatformConfig.defaults(settings);
    }
}
