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
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.infra.kafka.TopicReader;
import dev.noexcuses.serving.client.ServingClient;
import dev.noexcuses.serving.experiments.StickyAssignment;
import dev.noexcuses.serving.gateway.ServingGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An A/B experiment on the real gateway, with real model server processes, a real collector and
 * Kafka: users get sticky arms named in the answer, every assigned request's exposure reaches
 * {@code events.raw} through the collector, and stopping hands the report's winner to the canary
 * rollout that carried the experiment. The arms' outcomes are rows of {@code public.experiment_outcomes}
 * as the lakehouse job writes them (the job itself is tested in the lakehouse module).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExperimentGatewayTest {
    private static final Duration BOUND = Duration.ofMinutes(4);
    private static final String MODEL = "ranker";
    private static final int USERS = 240;

    private Config kafkaConfig;
    private CollectorServer collector;
    private ServingGateway gateway;
    private ServingClient api;
    private WebClient client;
    private String jdbcUrl;
    private Path v2;

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createTempDirectory("experiments-test");
        Path v1 = TrainedModels.train(dir.resolve("ranker-1.json"), 1, false, null);
        v2 = TrainedModels.train(dir.resolve("ranker-2.json"), 2, false, null);
        kafkaConfig = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0"));
        collector = CollectorServer.start(kafkaConfig);
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String db = "experiments_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + db);
        }
        jdbcUrl = url.substring(0, url.lastIndexOf('/') + 1) + db;
        Map<String, String> settings = new HashMap<>();
        settings.put("platform.data-dir", dir.toString());
        settings.put("postgres.jdbc-url", jdbcUrl);
        settings.put("postgres.user", shared.get("postgres.user"));
        settings.put("postgres.password", shared.get("postgres.password"));
        settings.put("serving.gateway.port", "0");
        settings.put("serving.gateway.poll-interval", "100ms");
        settings.put("serving.model-server.warmup-predictions", "50");
        settings.put("serving.experiments.collector-url", "http://127.0.0.1:" + collector.port());
        settings.put("serving.experiments.check-interval", "500ms");
        gateway = ServingGateway.start(PlatformConfig.defaults(settings));
        api = new ServingClient(gateway.url(), "");
        client = WebClient.builder(gateway.url()).responseTimeout(Duration.ofSeconds(20)).build();
        long first = api.start("model = " + MODEL + "\nversion = \"1\"\nmodel-file = \"" + v1 + "\"\n").path("id").asLong();
        await().atMost(BOUND).until(() -> api.rollout(first).path("state").asText().equals("promoted"));
    }

    @AfterAll
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (collector != null) {
            collector.close();
        }
    }

    @Test
    void usersKeepTheirArmTheirExposuresReachKafkaAndTheWinnerIsHandedToTheRollout() throws Exception {
        String name = "ranker-2-vs-1-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode started = api.startExperiment("name = " + name + "\nmodel = " + MODEL + "\ntreatment { version = \"2\", "
                + "model-file = \"" + v2 + "\" }\ntreatment-share = 30\nduration = 1h\n"
                // Latency is not what this test judges on a loaded machine.
                + "canary { analysis-interval = 1s, min-samples = 20, max-p99-ratio = 50, p99-slack = 2s }\n");
        assertThat(started.path("state").asText()).isEqualTo("running");
        assertThat(started.path("control_version").asText()).isEqualTo("1");
        assertThatThrownBy(() -> api.startExperiment("name = other\nmodel = " + MODEL + "\ntreatment { version = \"3\", "
                + "model-file = \"" + v2 + "\" }")).hasMessageContaining("has an experiment running already");

        Random random = new Random(8);
        int exposed = 0;
        // Once the treatment's server is ready its canary takes traffic, and users are assigned.
        long[] warmup = new long[1];
        await().atMost(BOUND).until(() -> {
            warmup[0]++;
            return predict("warm-up-" + warmup[0], null, random).headers().contains("x-experiment-arm");
        });
        exposed++;

        Map<String, String> armOfUser = new LinkedHashMap<>();
        int treatment = 0;
        for (int i = 0; i < USERS; i++) {
            // Every fourth visitor is anonymous: the anonymous id is the key.
            boolean anonymous = i % 4 == 3;
            String user = (anonymous ? "anon-" : "user-") + i;
            for (int request = 0; request < 2; request++) {
                AggregatedHttpResponse res = anonymous ? predict(null, user, random) : predict(user, "a-" + i, random);
                assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
                String arm = res.headers().get("x-experiment-arm");
                assertThat(res.headers().get("x-experiment")).isEqualTo(name);
                assertThat(arm).as("user %s, request %d", user, request)
                        .isEqualTo(StickyAssignment.inTreatment(name, user, 30) ? "treatment" : "control");
                assertThat(res.headers().get("x-model-version")).isEqualTo(arm.equals("treatment") ? "2" : "1");
                String before = armOfUser.putIfAbsent(user, arm);
                assertThat(before == null || before.equals(arm)).as("user %s keeps arm %s", user, before).isTrue();
                exposed++;
            }
            treatment += armOfUser.get(user).equals("treatment") ? 1 : 0;
        }
        // 30% of 240 users: 72, binomial standard deviation 7.1.
        assertThat(treatment).isBetween(72 - 30, 72 + 30);
        // A request that names no user is routed by the split, in no experiment.
        AggregatedHttpResponse nobody = predict(null, null, random);
        assertThat(nobody.headers().contains("x-experiment-arm")).isFalse();

        int wanted = exposed;
        List<JsonNode> exposures = TopicReader.awaitMatching(kafkaConfig, "events.raw",
                        r -> new String(r.value(), java.nio.charset.StandardCharsets.UTF_8).contains(name), wanted, Duration.ofSeconds(60))
                .stream().map(r -> Json.fromBytes(r.value(), JsonNode.class)).toList();
        assertThat(exposures).hasSize(wanted);
        assertThat(exposures).allSatisfy(e -> {
            assertThat(e.path("schema").asText()).isEqualTo("dev.noexcuses/experiment_exposure/1-0-0");
            assertThat(e.path("source").asText()).isEqualTo("serving-gateway");
            assertThat(e.path("data").path("ok").asBoolean()).isTrue();
            assertThat(e.path("data").path("latency_ms").asDouble()).isPositive();
        });
        assertThat(exposures.stream().map(e -> e.path("event_id").asText()).distinct().count()).isEqualTo(wanted);
        for (JsonNode e : exposures) {
            // The ids as the request named them: user_id when given (with the anonymous id beside it), else anonymous_id.
            String user = e.hasNonNull("user_id") ? e.path("user_id").asText() : e.path("anonymous_id").asText();
            if (user.startsWith("user-")) {
                assertThat(e.path("anonymous_id").asText()).isEqualTo("a-" + user.substring("user-".length()));
            }
            if (armOfUser.containsKey(user)) {
                assertThat(e.path("data").path("arm").asText()).isEqualTo(armOfUser.get(user));
                assertThat(e.path("data").path("version").asText()).isEqualTo(armOfUser.get(user).equals("treatment") ? "2" : "1");
            }
        }

        assertThat(api.experimentReport(name).path("verdict").asText()).startsWith("no outcomes yet");
        // What the lakehouse job computes from the lake, with a planted conversion lift: 10% -> 14% on 4,000 users each.
        try (Connection c = DriverManager.getConnection(jdbcUrl, postgresUser(), postgresPassword());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.experiment_outcomes (experiment text NOT NULL, arm text NOT NULL, as_of date NOT NULL, "
                    + "users bigint NOT NULL, conversions bigint NOT NULL, revenue_sum double precision NOT NULL, "
                    + "revenue_sum_squares double precision NOT NULL, churn_eligible bigint NOT NULL, churned bigint NOT NULL, "
                    + "requests bigint NOT NULL, errors bigint NOT NULL, latency_p99_ms double precision NOT NULL, "
                    + "computed_at timestamptz NOT NULL, PRIMARY KEY (experiment, arm, as_of))");
            LocalDate day = LocalDate.now();
            s.execute("INSERT INTO public.experiment_outcomes VALUES ('" + name + "', 'control', DATE '" + day + "', 4000, 400, "
                    + "0, 0, 0, 0, 9000, 2, 12.5, now()), ('" + name + "', 'treatment', DATE '" + day + "', 4000, 560, 0, 0, 0, 0, "
                    + "9100, 3, 13.0, now())");
        }
        JsonNode report = api.experimentReport(name);
        assertThat(report.path("decided_by").asText()).as(report.toString()).isEqualTo("sequential");
        assertThat(report.path("winner").asText()).as(report.toString()).isEqualTo("treatment");
        assertThat(report.path("guardrails_passed").asBoolean()).isTrue();

        JsonNode stopped = api.stopExperiment(name, "auto");

        assertThat(stopped.path("state").asText()).isEqualTo("stopped");
        assertThat(stopped.path("decision").asText()).startsWith("treatment version 2 promoted");
        await().atMost(BOUND).until(() -> stableVersion(MODEL).equals("2"));
        AggregatedHttpResponse after = predict("user-1", null, random);
        assertThat(after.headers().contains("x-experiment-arm")).isFalse();
        assertThat(after.headers().get("x-model-version")).isEqualTo("2");
    }

    private String postgresUser() {
        return SharedLocalInfra.get("postgres").serviceOverrides().get("postgres.user");
    }

    private String postgresPassword() {
        return SharedLocalInfra.get("postgres").serviceOverrides().get("postgres.password");
    }

    private String stableVersion(String model) {
        for (JsonNode m : api.models()) {
            if (m.path("model").asText().equals(model)) {
                return m.path("stable_version").asText();
            }
        }
        return "";
    }

    private AggregatedHttpResponse predict(String userId, String anonymousId, Random random) {
        var builder = RequestHeaders.builder(HttpMethod.POST, "/v1/models/" + MODEL + "/predict").contentType(MediaType.JSON_UTF_8);
        if (userId != null) {
            builder.add("x-user-id", userId);
        }
        if (anonymousId != null) {
            builder.add("x-anonymous-id", anonymousId);
        }
        return client.execute(HttpRequest.of(builder.build(),
                com.linecorp.armeria.common.HttpData.wrap(Json.toBytes(Map.of("features", TrainedModels.row(random))))))
                .aggregate().join();
    }
}
