package dev.noexcuses.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.offline.FeatureBuild;
import dev.noexcuses.features.online.RedisConnections;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.Ports;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSession;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import dev.noexcuses.ml.score.ChurnList;
import dev.noexcuses.ml.score.ScoringPipeline;
import dev.noexcuses.ml.score.ScoresTable;
import dev.noexcuses.ml.scores.ScoreKeys;
import dev.noexcuses.ml.scores.ScoreLoader;
import dev.noexcuses.ml.scores.ScoreReader;
import dev.noexcuses.ml.scores.ScoresServer;
import dev.noexcuses.ml.train.TrainingPipeline;
import dev.noexcuses.ml.train.ValidationGates;
import dev.noexcuses.producers.simulator.HistorySimulator;
import dev.noexcuses.registry.client.RegistryClient;
import java.io.BufferedWriter;
import java.io.File;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/**
 * The churn pipelines end to end, on real parts: the simulator's produced history (which plants the churn signal:
 * users who fade and stop) as curated tables in Iceberg (embedded PostgreSQL catalog, S3), the feature store's build
 * and point-in-time training sets on Spark (one local session), the real registry in a JVM of its own, the embedded
 * Redis, and the scores API. The tests run in order, as a user would: train, promote, score, score again, train and
 * promote a new champion, a scoring run that dies between its writes and its switch, the run after it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlPipelinesTest {
    private static final String PIPELINE_TOKEN = "local-dev-ml-pipeline-token";
    private static final String SCIENTIST_TOKEN = "local-dev-data-scientist-token";
    private static final String REVIEWER_TOKEN = "local-dev-reviewer-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

    private static SparkSession spark;
    private static RedisAccess redis;
    private static Process registryProcess;
    private static RegistryClient pipeline;
    private static RegistryClient scientist;
    private static RegistryClient reviewer;
    private static ModelFeatures features;
    private static final Progress PROGRESS = new Progress(new PrintStream(System.out, true, StandardCharsets.UTF_8));

    /** State the ordered tests hand on. */
    private static String firstRun;
    private static long firstLoaded;
    private static double firstAuc;

    @BeforeAll
    static void start() throws Exception {
        LocalInfra infra = SharedLocalInfra.get("postgres", "s3", "redis");
        Map<String, String> keys = infra.serviceOverrides();
        registryProcess = startRegistry(keys);
        JobSettings settings = new JobSettings("lake", keys.get("postgres.jdbc-url"), keys.get("postgres.user"),
                keys.get("postgres.password"), "s3://noexcuses-lake/warehouse", keys.get("s3.endpoint"), "us-east-1",
                "noexcuses", "noexcuses-secret", true, "local[2]", -1, 2,
                Map.of("spark.driver.memory", "1g", "spark.sql.iceberg.check-nullability", "false"));
        spark = LakeSession.open(settings, "ml-pipelines-tests");
        LakeTables.ensure(spark);
        redis = new RedisAccess(keys.get("redis.url"), "", keys.get("redis.password"), "", false);
        features = new ModelFeatures(FeatureRegistry.shipped().views());
        produceHistory(500, 49);
        String url = registryUrl;
        Awaitility.await("the registry answers").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> healthy(url + "/healthz"));
        pipeline = RegistryClient.create(URI.create(url), PIPELINE_TOKEN);
        scientist = RegistryClient.create(URI.create(url), SCIENTIST_TOKEN);
        reviewer = RegistryClient.create(URI.create(url), REVIEWER_TOKEN);
    }

    @AfterAll
    static void stop() {
        if (registryProcess != null) {
            registryProcess.destroy();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    private static String registryUrl;

    /** The registry from model-registry/target (packaged by the reactor before these tests), on this JVM's database and S3. */
    private static Process startRegistry(Map<String, String> keys) throws Exception {
        Path target = Path.of("..", "model-registry", "target").toAbsolutePath().normalize();
        Path jar = target.resolve("model-registry-0.1.0-SNAPSHOT.jar");
        assertThat(jar).as("the registry is packaged (./mvnw -pl ml-pipelines -am verify packages it first)").isRegularFile();
        int port = Ports.freePort();
        registryUrl = "http://127.0.0.1:" + port;
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Dmodel-registry.port=" + port, "-Dmodel-registry.host=127.0.0.1",
                "-Dmodel-registry.artifacts-prefix=ml-pipelines-test"));
        keys.forEach((k, v) -> {
            if (k.startsWith("postgres.") || k.startsWith("s3.")) {
                cmd.add("-D" + k + "=" + v);
            }
        });
        cmd.addAll(List.of("-cp", jar + File.pathSeparator + target.resolve("lib") + "/*",
                "dev.noexcuses.registry.ModelRegistryMain"));
        Path log = Files.createTempFile("ml-registry-", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "ml-test-registry-stop"));
        return p;
    }

    private static boolean healthy(String url) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The simulator's history of {@code days} days up to now, turned into the curated tables the way the lakehouse
     * shapes them: user key (user id, else the one learned at a login of the visitor, else the anonymous id),
     * sessions after 30 minutes of inactivity. Country and device, which the enricher derives from the client's
     * address and user agent, are fixed per user here.
     */
    private static void produceHistory(int users, int days) throws Exception {
        HistorySimulator simulator = new HistorySimulator(11, "web-shop", users, Duration.ofDays(days), Instant.now());
        Path file = Files.createTempFile("ml-history-", ".jsonl");
        long events = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (LocalDate d = simulator.firstDay(); !d.isAfter(simulator.lastDay()); d = d.plusDays(1)) {
                for (var e : simulator.day(d)) {
                    out.write(e.toString());
                    out.newLine();
                    events++;
                }
            }
        }
        spark.read().json(file.toString()).createOrReplaceTempView("sim_raw");
        spark.sql("""
                WITH e AS (
                  SELECT event_id, regexp_extract(schema, '^[^/]+/([^/]+)/', 1) AS event_type,
                         to_timestamp(event_time) AS event_time, user_id, anonymous_id, data FROM sim_raw),
                k AS (SELECT e.*, coalesce(user_id, max(user_id) OVER (PARTITION BY anonymous_id), anonymous_id) AS user_key FROM e),
                g AS (SELECT k.*, CASE WHEN lag(event_time) OVER w IS NULL
                                        OR event_time > lag(event_time) OVER w + INTERVAL 30 MINUTES THEN 1 ELSE 0 END AS new_session
                      FROM k WINDOW w AS (PARTITION BY user_key ORDER BY event_time)),
                s AS (SELECT g.*, sum(new_session) OVER (PARTITION BY user_key ORDER BY event_time
                                  ROWS UNBOUNDED PRECEDING) AS session_no FROM g)
                SELECT s.*, concat(user_key, '-', session_no) AS session_id, to_date(event_time) AS event_date,
                       CASE pmod(hash(user_key), 3) WHEN 0 THEN 'DE' WHEN 1 THEN 'FR' ELSE 'US' END AS country_code,
                       CASE pmod(hash(user_key), 2) WHEN 0 THEN 'mobile' ELSE 'desktop' END AS device
                FROM s
                """).cache().createOrReplaceTempView("sim_events");
        insert(LakeTables.EVENTS, """
                SELECT event_id, event_type, event_time, event_date, user_id, anonymous_id, user_key, session_id,
                       data.page_type AS page_type, data.product_id AS product_id, data.price AS price,
                       data.quantity AS quantity, data.query AS search_query, data.results AS search_results,
                       data.order_id AS order_id, CASE WHEN event_type = 'purchase' THEN data.value END AS order_value,
                       device, country_code
                FROM sim_events""");
        insert(LakeTables.SESSIONS, """
                SELECT session_id, user_key, max(anonymous_id) AS anonymous_id, to_date(min(event_time)) AS event_date,
                       min(event_time) AS session_start, max(event_time) AS session_end,
                       CAST(unix_timestamp(max(event_time)) - unix_timestamp(min(event_time)) AS BIGINT) AS duration_seconds,
                       count(*) AS events, count_if(event_type = 'page_view') AS page_views,
                       min_by(data.url, event_time) AS landing_page, max(device) AS device, max(country_code) AS country_code,
                       count_if(event_type = 'purchase') > 0 AS converted, count_if(event_type = 'purchase') AS orders,
                       coalesce(sum(CASE WHEN event_type = 'purchase' THEN data.value END), 0D) AS revenue
                FROM sim_events GROUP BY session_id, user_key""");
        // Features of the days the tests read: the training's cut-offs (each label reads its cut-off day's row: a
        // labelled user was active in the 30 days up to it, so the day has the user's row) and the last day (the
        // scoring runs read each user's latest row). The other days' rows would never be read.
        List<LocalDate> needed = new ArrayList<>(TrainingPipeline.cutOffs(spark, trainingSettings(Map.of())));
        needed.add(simulator.lastDay());
        FeatureBuild build = new FeatureBuild(spark, PROGRESS, needed.size());
        for (FeatureView view : features.views()) {
            build.build(view, needed, Instant.now());
        }
        System.out.printf("Produced history: %,d events of %d users over %d days; features of %s%n", events, users, days,
                needed);
    }

    private static void insert(String table, String select) throws Exception {
        Dataset<Row> given = spark.sql(select);
        List<String> named = Arrays.asList(given.columns());
        StructField[] fields = spark.table(table).schema().fields();
        Column[] columns = new Column[fields.length];
        for (int i = 0; i < fields.length; i++) {
            Column c = named.contains(fields[i].name()) ? functions.col(fields[i].name()) : functions.lit(null);
            columns[i] = c.cast(fields[i].dataType()).as(fields[i].name());
        }
        given.select(columns).writeTo(table).append();
    }

    private static TrainingPipeline.Outcome train(double minAuc, double tolerance, Map<String, String> params) {
        return new TrainingPipeline(spark, pipeline, features, PROGRESS).run(trainingSettings(params, minAuc, tolerance));
    }

    private static TrainingPipeline.Settings trainingSettings(Map<String, String> params, double minAuc, double tolerance) {
        return new TrainingPipeline.Settings("churn", null, 4, 7, params, 60, minAuc, tolerance, "0123abcd-test-commit");
    }

    private static TrainingPipeline.Settings trainingSettings(Map<String, String> params) {
        return trainingSettings(params, 0.65, 0.02);
    }

    private static ScoringPipeline.Outcome score(LocalDate day, ScoreLoader.ChunkListener listener) {
        return new ScoringPipeline(spark, pipeline, redis, features, PROGRESS).run(new ScoringPipeline.Settings("churn", day, 100),
                listener);
    }

    private static void promote(int version) {
        long request = scientist.requestPromotion("churn", "champion", version, "holdout AUC above the floor, tested");
        reviewer.approve(request, "checked the holdout metrics");
        assertThat(pipeline.resolve("churn", "champion").version()).isEqualTo(version);
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("_status", r.statusCode());
        return body;
    }

    @Test
    @Order(1)
    void trainingFindsThePlantedChurnSignalLogsTheRunWithItsCommitAndRegistersAChallenger() throws Exception {
        TrainingPipeline.Outcome o = train(0.65, 0.02, Map.of("max_depth", "4", "eta", "0.1", "seed", "7"));
        firstAuc = o.holdout().auc();
        System.out.printf("Holdout AUC on produced history: %.4f (PR-AUC %.4f, lift@10%% %.2f, %d rows, %d churned)%n",
                firstAuc, o.holdout().prAuc(), o.holdout().liftAt10(), o.holdout().rows(), o.holdout().positives());

        assertThat(o.cutOffs()).hasSize(4);
        assertThat(o.holdout().positives()).isPositive().isLessThan(o.holdout().rows());
        assertThat(firstAuc).as("holdout AUC, well above chance").isGreaterThan(0.7);
        assertThat(o.passed()).isTrue();
        assertThat(o.version()).hasValue(1);
        assertThat(pipeline.resolve("churn", "challenger").version()).isEqualTo(1);
        RegistryClient.ModelVersion v = pipeline.version("churn", 1);
        assertThat(v.signature()).extracting(RegistryClient.Feature::name).containsExactlyElementsOf(features.names());
        assertThat(v.gates()).extracting(RegistryClient.Gate::gate).containsExactlyInAnyOrder(ValidationGates.AUC_FLOOR,
                ValidationGates.NOT_WORSE_THAN_CHAMPION, ValidationGates.FEATURE_RANGES);
        JsonNode run = pipeline.get("/api/v1/runs/" + o.runId());
        assertThat(run.toString()).contains("0123abcd-test-commit").contains("training.churn").contains("features.user_activity");
        assertThat(pipeline.metricHistory(o.runId(), "auc")).singleElement()
                .satisfies(m -> assertThat(m.value()).isCloseTo(firstAuc, within(1e-9)));
        assertThat(pipeline.downloadArtifact(o.runId(), "validation/features.json")).isNotEmpty();
    }

    @Test
    @Order(2)
    void aModelFailingAGateIsNotRegisteredAndTheRunSaysWhichGate() throws Exception {
        TrainingPipeline.Outcome o = train(0.99, 0.02, Map.of("max_depth", "4", "seed", "7"));

        assertThat(o.passed()).isFalse();
        assertThat(o.version()).isEmpty();
        assertThat(o.gates()).filteredOn(g -> !g.passed()).extracting(ValidationGates.Gate::name)
                .containsExactly(ValidationGates.AUC_FLOOR);
        assertThatThrownBy(() -> pipeline.version("churn", 2)).isInstanceOf(RegistryClient.RegistryCallException.class);
        assertThat(pipeline.get("/api/v1/runs/" + o.runId()).toString()).contains("auc-floor");
    }

    @Test
    @Order(3)
    void scoringAfterThePromotionScoresEverySelectedUserIntoTheLakeAndRedisAndTheApiServesThem() throws Exception {
        assertThatThrownBy(() -> score(TODAY, ScoreLoader.ChunkListener.NONE))
                .isInstanceOf(ScoringPipeline.NoChampionException.class);
        promote(1);

        ScoringPipeline.Outcome o = score(TODAY, ScoreLoader.ChunkListener.NONE);
        firstRun = o.runId();
        firstLoaded = o.loaded();

        assertThat(o.modelVersion()).isEqualTo(1);
        assertThat(o.scored()).isPositive().isEqualTo(o.candidates());
        List<Row> rows = spark.sql("SELECT user_key, score, model_version FROM " + ScoresTable.TABLE
                + " WHERE run_date = DATE '" + TODAY + "'").collectAsList();
        assertThat(rows).hasSize((int) o.scored());
        assertThat(rows.stream().map(r -> r.getString(0)).distinct().count()).isEqualTo(rows.size());
        try (ScoreReader reader = new ScoreReader(redis, "churn", Clock.systemUTC())) {
            for (Row r : rows) {
                ScoreReader.Result read = reader.read(r.getString(0), null, null).orElseThrow();
                assertThat(read.kind()).as(r.getString(0)).isEqualTo(ScoreReader.Kind.SCORE);
                assertThat(read.score()).isCloseTo(r.getDouble(1), within(1e-12));
                assertThat(read.modelVersion()).isEqualTo(1);
                assertThat(read.run()).isEqualTo(firstRun);
            }
        }

        Config config = PlatformConfig.defaults(Map.of("redis.url", redis.url(), "redis.password", redis.password(),
                "ml-pipelines.scores.port", "0"));
        try (ScoresServer server = ScoresServer.start(config)) {
            String known = rows.get(0).getString(0);
            JsonNode one = get(server.url() + "/v1/scores/churn/" + known);
            assertThat(one.path("_status").asInt()).isEqualTo(200);
            assertThat(one.path("fallback").asBoolean()).isFalse();
            assertThat(one.path("model_version").asInt()).isEqualTo(1);
            assertThat(one.path("score").asDouble()).isCloseTo(rows.get(0).getDouble(1), within(1e-12));
            assertThat(one.path("age_seconds").asDouble()).isGreaterThanOrEqualTo(0);

            JsonNode segment = get(server.url() + "/v1/scores/churn/u-brand-new?country=DE&device=mobile");
            assertThat(segment.path("_status").asInt()).isEqualTo(200);
            assertThat(segment.path("fallback").asBoolean()).isTrue();
            assertThat(segment.path("fallback_kind").asText()).isEqualTo("segment_prior");
            assertThat(segment.path("segment_users").asLong()).isPositive();

            JsonNode base = get(server.url() + "/v1/scores/churn/u-brand-new");
            assertThat(base.path("fallback_kind").asText()).isEqualTo("base_rate");
            assertThat(base.path("score").asDouble()).isCloseTo(o.baseRate(), within(1e-12));

            assertThat(get(server.url() + "/v1/scores/churn/u-brand-new?fallback=false").path("_status").asInt()).isEqualTo(404);
            assertThat(get(server.url() + "/v1/scores/churn/bad%20key").path("_status").asInt()).isEqualTo(400);
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.url() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("churn_scores_requests").contains("churn_scores_age_seconds");
        }

        List<ChurnList.Entry> list = ChurnList.top(spark, TODAY, 0.0, 10);
        assertThat(list).hasSize(10).isSortedAccordingTo((a, b) -> Double.compare(b.score(), a.score()));
    }

    @Test
    @Order(4)
    void aReRunScoresNobodyTwiceAndTheNextDayScoresOnlyChangedUsers() {
        long before = spark.sql("SELECT count(*) FROM " + ScoresTable.TABLE).first().getLong(0);
        ScoringPipeline.Outcome again = score(TODAY, ScoreLoader.ChunkListener.NONE);
        assertThat(again.loaded()).isEqualTo(firstLoaded);
        assertThat(spark.sql("SELECT count(*), count(DISTINCT user_key, run_date) FROM " + ScoresTable.TABLE).first())
                .satisfies(r -> {
                    assertThat(r.getLong(0)).isEqualTo(before);
                    assertThat(r.getLong(1)).isEqualTo(before);
                });

        ScoringPipeline.Outcome tomorrow = score(TODAY.plusDays(1), ScoreLoader.ChunkListener.NONE);
        assertThat(tomorrow.candidates()).isPositive();
        assertThat(tomorrow.scored()).as("nobody's features changed since their score").isZero();
        assertThat(tomorrow.loaded()).isEqualTo(firstLoaded);
        firstRun = tomorrow.runId();
    }

    @Test
    @Order(5)
    void aScoringRunThatDiesBetweenItsWritesAndItsSwitchLeavesReadersOnThePreviousRunAndTheNewChampionScoresNext()
            throws Exception {
        TrainingPipeline.Outcome second = train(0.65, 0.05, Map.of("max_depth", "3", "eta", "0.2", "seed", "11"));
        assertThat(second.version()).hasValue(2);
        promote(2);
        String known;
        try (ScoreReader reader = new ScoreReader(redis, "churn", Clock.systemUTC())) {
            known = spark.sql("SELECT user_key FROM " + ScoresTable.TABLE + " LIMIT 1").first().getString(0);
            // The loader's connection is killed by the server after its first chunk: a real broken run.
            ScoreLoader.ChunkListener killer = (chunk, users) -> {
                try (Jedis admin = RedisConnections.connect(redis)) {
                    for (String line : admin.clientList().split("\n")) {
                        if (line.contains("name=" + ScoreLoader.CLIENT_NAME)) {
                            String id = line.replaceAll(".*\\bid=(\\d+).*", "$1");
                            admin.clientKill(ClientKillParams.clientKillParams().id(id));
                        }
                    }
                }
            };
            assertThatThrownBy(() -> score(TODAY.plusDays(2), killer)).isInstanceOf(RuntimeException.class);

            ScoreReader.Result during = reader.read(known, null, null).orElseThrow();
            assertThat(during.run()).isEqualTo(firstRun);
            assertThat(during.modelVersion()).isEqualTo(1);

            ScoringPipeline.Outcome next = score(TODAY.plusDays(2), ScoreLoader.ChunkListener.NONE);
            assertThat(next.modelVersion()).isEqualTo(2);
            assertThat(next.scored()).as("a new champion rescores everyone").isEqualTo(next.candidates());
            ScoreReader.Result after = reader.read(known, null, null).orElseThrow();
            assertThat(after.run()).isEqualTo(next.runId());
            assertThat(after.modelVersion()).isEqualTo(2);
            try (Jedis jedis = RedisConnections.connect(redis)) {
                ScoreKeys keys = ScoreKeys.of("churn");
                assertThat(jedis.smembers(keys.runs())).containsExactlyInAnyOrder(next.runId(), firstRun);
                assertThat(jedis.get(keys.previous())).isEqualTo(firstRun);
                assertThat(jedis.hlen(keys.scores(next.runId()))).isEqualTo(next.loaded());
            }

            assertThat(ScoreLoader.rollback(redis, ScoreKeys.of("churn"))).isEqualTo(firstRun);
            assertThat(reader.read(known, null, null).orElseThrow().modelVersion()).isEqualTo(1);
            ScoreLoader.rollback(redis, ScoreKeys.of("churn"));
            assertThat(reader.read(known, null, null).orElseThrow().modelVersion()).isEqualTo(2);
        }
    }
}
