package dev.noexcuses.platform.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.enricher.geo.MmdbWriter;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.SimulationRun;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import dev.noexcuses.serving.client.ServingClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.Select;

/**
 * The console as a user meets it: the whole platform on real embedded infrastructure, a real
 * simulator run through it, the JSON APIs read over HTTP, and every page in headless Chromium
 * (one browser for the class). Screenshots go to target/console-screenshots, and also to
 * {@code -Dconsole.screenshots.dir} (docs/console uses them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {
    private static final Duration PAGE_WAIT = Duration.ofSeconds(60);
    private static final List<String> PAGES = List.of("pipeline", "live", "failed", "lake", "batch", "runs");

    @RegisterExtension
    final TestDataDir data = new TestDataDir();
    private Path dataDir;
    private PlatformRuntime runtime;
    private String console;
    private SimulationRun.Summary sent;
    private long rawBefore;
    private long rawDlqBefore;
    /** The day the run's events were sent on (UTC): the day the runs page builds. */
    private LocalDate day;
    private long triggeredRun;
    private ChromeDriver browser;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void startPlatformAndProduceARun() throws Exception {
        // Before anything heavy: without a browser this class fails at once, with the install command.
        dataDir = data.create("console-test-");
        browser = HeadlessChromium.start(dataDir.resolve("chromium-profile"));
        int apiPort = LocalInfra.freePort();
        Path home = Path.of("..").toAbsolutePath().normalize();
        // A city database in DB-IP's layout, written here: the test needs no network.
        Path geo = dataDir.resolve("dbip-city-ipv4.mmdb");
        MmdbWriter.writeCityDatabase(geo, MmdbWriter.Layout.DBIP_CITY, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "-", "England", "London", 51.5143, -0.0912)));
        Config config = PlatformConfig.defaults(Map.ofEntries(
                Map.entry("enricher.enrichments.geoip.database", geo.toString()),
                Map.entry("collector.trusted-proxies.0", "127.0.0.1/32"),
                Map.entry("platform.data-dir", dataDir.toString()),
                Map.entry("platform.home", home.toString()),
                Map.entry("local-infra.kafka.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.kafka.controller-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.opensearch.transport-port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.postgres.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.s3.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("local-infra.redis.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("feature-store.online.port", "0"),
                Map.entry("ml-pipelines.scores.port", "0"),
                // A known port: the gateway's experiment exposures are pointed at it (serving.experiments.collector-url).
                Map.entry("collector.port", String.valueOf(LocalInfra.freePort())),
                Map.entry("collector.admin.port", "0"),
                Map.entry("enrichment-api.port", String.valueOf(apiPort)),
                Map.entry("enricher.api.url", "http://127.0.0.1:" + apiPort),
                Map.entry("enricher.admin.port", "0"),
                Map.entry("realtime-loader.admin.port", "0"),
                // An admin token of its own: the Pipeline page's health check and latency reading must use it.
                Map.entry("realtime-loader.admin.token", "loader-ops-token"),
                Map.entry("batch-loader.admin.port", "0"),
                Map.entry("batch-loader.flush.max-age", "5s"),
                Map.entry("console.port", "0"),
                Map.entry("console.sample-interval", "2s"),
                Map.entry("orchestrator.admin.port", "0"),
                Map.entry("alerting.http.port", "0"),
                Map.entry("model-registry.port", "0"),
                Map.entry("serving.gateway.port", "0"),
                Map.entry("orchestrator.poll-interval", "1s"),
                // The tasks' ./platform is this build's command line (the packaged jar may be older).
                Map.entry("orchestrator.platform-command", TestPlatformCommand.write(dataDir.resolve("bin"), home).toString()),
                // One Trino per test JVM (SqlCommandTest's); this test checks the page without it.
                Map.entry("local-infra.trino.enabled", "false")));
        runtime = PlatformRuntime.start(config, dataDir, new PrintStream(new ByteArrayOutputStream(), true));
        console = runtime.consoleUrl().orElseThrow();
        // The flow readings count topic offsets, which include what the platform wrote at start (each
        // new topic is probed with a produce in an aborted transaction): this run is what comes after.
        String cookie = login();
        JsonNode before = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/api/pipeline", cookie).at("/flow/totals"), totals -> totals.has(Topics.RAW));
        rawBefore = before.path(Topics.RAW).asLong();
        rawDlqBefore = before.path(Topics.RAW_DLQ).asLong();
        day = LocalDate.now(ZoneOffset.UTC);
        try (EventClient client = EventClient.builder(URI.create(runtime.collectorUrl())).writeKey("local-dev-key").build()) {
            sent = new SimulationRun(new WebShopSimulator(11, "web-shop", 80, 0.1, 0.02), client, null)
                    .run(1500, null, 300);
        }
        assertThat(sent.failed()).isZero();
        data.started();
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (runtime != null) {
            runtime.close();
        }
        data.close();
    }

    @Test
    @Order(1)
    void jsonApisShowTheProducedRunFromTheRealServers() throws Exception {
        String cookie = login();
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode pipeline = get("/api/pipeline", cookie);
            assertThat(pipeline.get("components")).allSatisfy(c -> assertThat(c.get("healthy").asBoolean())
                    .as(c.toString()).isTrue());
            assertThat(pipeline.get("components")).extracting(c -> c.get("name").asText())
                    .contains("kafka", "opensearch", "collector", "enricher", "realtime-loader", "batch-loader");
            // Every accepted event is in events.raw, every rejected one in its DLQ: the flow readings count them.
            assertThat(pipeline.at("/flow/totals/events.raw").asLong() - rawBefore).isEqualTo(sent.accepted());
            assertThat(pipeline.at("/flow/totals/events.raw.dlq").asLong() - rawDlqBefore).isEqualTo(sent.rejected());
            assertThat(pipeline.at("/flow/points").size()).isPositive();
            // The realtime loader measured collector-to-searchable latency for the indexed documents.
            assertThat(pipeline.at("/flow/latency_seconds/count").asDouble()).isPositive();
        });

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode live = get("/api/live/summary", cookie);
            long total = live.get("total").asLong();
            assertThat(total).isPositive();
            long perMinute = 0;
            for (JsonNode minute : live.get("per_minute")) {
                for (JsonNode n : minute.get("types")) {
                    perMinute += n.asLong();
                }
            }
            assertThat(perMinute).isEqualTo(total);
            assertThat(live.at("/funnel/0/step").asText()).isEqualTo("page_view");
            assertThat(live.at("/funnel/0/users").asLong()).isPositive();
            assertThat(live.get("top_products")).isNotEmpty();
            assertThat(live.get("top_pages")).isNotEmpty();
            assertThat(get("/api/live/events?type=page_view&size=5", cookie).get("events"))
                    .hasSize(5).allSatisfy(e -> assertThat(e.get("type").asText()).isEqualTo("page_view"));
        });

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            JsonNode failed = get("/api/failed?type=schema_violation", cookie);
            assertThat(failed.get("total").asLong()).isPositive();
            assertThat(failed.get("records")).allSatisfy(r -> {
                assertThat(r.get("failure_type").asText()).isEqualTo("schema_violation");
                assertThat(r.get("replayable").asBoolean()).isTrue();
                assertThat(r.at("/errors/0/path").asText()).startsWith("$");
            });
            JsonNode rejected = get("/api/failed?type=payload_format", cookie);
            assertThat(rejected.get("total").asLong()).isPositive();
            assertThat(rejected.get("records")).allSatisfy(r -> assertThat(r.get("replayable").asBoolean()).isFalse());
        });

        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
            JsonNode lake = get("/api/lake", cookie);
            JsonNode enriched = null;
            for (JsonNode t : lake.get("tables")) {
                if (t.get("name").asText().equals("raw.enriched_events")) {
                    enriched = t;
                }
            }
            assertThat(enriched).as(lake.toString()).isNotNull();
            assertThat(enriched.get("rows").asLong()).isPositive();
            assertThat(enriched.get("bytes").asLong()).isPositive();
            assertThat(enriched.get("partitioning").asText()).isEqualTo("day(received_at)");
        });
        assertThat(get("/api/lake/quality", cookie).get("message").asText()).startsWith("No quality results yet");
        JsonNode batch = get("/api/batch", cookie);
        assertThat(batch.get("available").asBoolean()).isFalse();
        assertThat(batch.get("reason").asText()).contains("Trino");
        assertThat(batch.get("fix").asText()).contains("console.trino.jdbc-url");
    }

    @Test
    @Order(2)
    void everyPageLoadsWithoutBrowserErrorsAndTheChartsShowTheRun() throws Exception {
        browser.get(console + "/pipeline");
        wait(d -> d.getCurrentUrl().endsWith("/login"));
        browser.findElement(By.id("user")).sendKeys("admin");
        browser.findElement(By.id("password")).sendKeys("admin");
        browser.findElement(By.id("login-button")).click();
        wait(d -> d.getCurrentUrl().endsWith("/pipeline"));

        for (String page : PAGES) {
            browser.get(console + "/" + page);
            wait(d -> !d.findElement(By.cssSelector("header .who")).getText().isBlank());
            switch (page) {
                case "pipeline" -> {
                    chartDrawn("chart-rates");
                    chartDrawn("chart-latency");
                    wait(d -> d.findElement(By.id("components")).getText().contains("realtime-loader"));
                }
                case "live" -> {
                    chartDrawn("chart-per-minute");
                    chartDrawn("chart-funnel");
                    wait(d -> d.findElement(By.id("live-total")).getText().contains("events in the last"));
                    wait(d -> d.findElements(By.cssSelector("#stream tbody tr")).size() > 0);
                }
                case "failed" -> wait(d -> d.findElements(By.cssSelector("#failed-list tbody tr")).size() > 0);
                case "lake" -> {
                    wait(d -> d.findElement(By.id("tables")).getText().contains("raw.enriched_events"));
                    wait(d -> d.findElement(By.id("quality")).getText().contains("No quality results yet"));
                    chartDrawn("chart-sizes");
                }
                case "batch" -> wait(d -> d.findElement(By.id("batch-unavailable")).getText().contains("Trino"));
                case "runs" -> {
                    wait(d -> d.findElement(By.id("dags")).getText().contains("daily_lakehouse"));
                    wait(d -> d.findElement(By.id("scheduler-active")).isDisplayed());
                }
                default -> throw new IllegalStateException(page);
            }
            screenshot(page);
            List<LogEntry> errors = HeadlessChromium.consoleErrors(browser);
            assertThat(errors).as("browser console errors on /" + page).isEmpty();
        }
    }

    @Test
    @Order(3)
    void aReplayFromTheFailedEventsPageLandsInEventsRaw() throws Exception {
        browser.get(console + "/failed");
        new Select(wait(d -> d.findElement(By.id("filter-type")))).selectByValue("schema_violation");
        browser.findElement(By.id("search-button")).click();
        // The list is rendered again by each search: elements are found afresh at every step.
        String failureId = wait(d -> d.findElements(By.cssSelector("#failed-list[data-type='schema_violation'] input.pick"))
                .stream().findFirst().map(e -> e.getAttribute("data-id")).orElse(null));
        wait(d -> {
            WebElement pick = d.findElement(By.cssSelector("input.pick[data-id='" + failureId + "']"));
            if (!pick.isSelected()) {
                pick.click();
            }
            return d.findElement(By.id("replay-button")).isEnabled();
        });
        browser.findElement(By.id("replay-button")).click();
        String summary = wait(d -> d.findElement(By.id("replay-summary")).getText());
        assertThat(summary).contains("Replayed 1 of 1 to events.raw").contains("replayed").contains("offset");
        screenshot("failed-replayed");
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();

        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(replayedFrom(failureId)).as("records in events.raw replayed from failure " + failureId)
                        .hasSize(1));
    }

    @Test
    @Order(4)
    void aTriggerFromTheRunsPageCreatesARunOfTheDay() throws Exception {
        // The run's Spark jobs go to the job host once it has started Spark (it started with the platform).
        Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> dev.noexcuses.lakehouse.host.HostState.read(
                        dev.noexcuses.lakehouse.host.HostState.file(dataDir)).isPresent());
        browser.get(console + "/runs");
        wait(d -> d.findElement(By.id("scheduler-active")).isDisplayed());
        WebElement date = wait(d -> d.findElement(By.id("trigger-date-daily_lakehouse")));
        browser.executeScript("arguments[0].value = arguments[1]", date, day.toString());
        browser.findElement(By.id("trigger-daily_lakehouse")).click();
        String done = wait(d -> d.findElement(By.id("action-done")).getText());
        assertThat(done).startsWith("Queued daily_lakehouse for " + day);

        JsonNode runs = get("/api/runs", login());
        List<JsonNode> ofTheDay = new ArrayList<>();
        runs.get("runs").forEach(r -> {
            if (r.get("date").asText().equals(day.toString())) {
                ofTheDay.add(r);
            }
        });
        assertThat(ofTheDay).as(runs.toPrettyString()).hasSize(1);
        assertThat(ofTheDay.get(0).get("dag_id").asText()).isEqualTo("daily_lakehouse");
        assertThat(ofTheDay.get(0).get("run_type").asText()).isEqualTo("manual");
        triggeredRun = ofTheDay.get(0).get("run_id").asLong();
        wait(d -> String.valueOf(triggeredRun).equals(d.findElement(By.id("run-detail")).getAttribute("data-run-id")));
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
    }

    @Test
    @Order(5)
    void theTriggeredRunBuildsTheDayWithTheRealLakehouseJobsAndThePageShowsItsGraphAndLogs() throws Exception {
        assertThat(triggeredRun).as("the run triggered from the page").isPositive();
        String cookie = login();
        // The scheduler runs ./platform lakehouse run quality|curate|sessions|model --date DAY, each on the Spark job host.
        JsonNode finished = Awaitility.await().atMost(Duration.ofMinutes(25)).pollInterval(Duration.ofSeconds(5))
                .until(() -> {
                    JsonNode run = get("/api/runs/" + triggeredRun, cookie);
                    for (JsonNode a : run.get("attempts")) {
                        assertThat(a.get("state").asText()).as("attempt %s: %s", a, logOf(a, cookie))
                                .isNotEqualTo("failed");
                    }
                    return run;
                }, run -> run.at("/run/state").asText().equals("success") || run.at("/run/state").asText().equals("failed"));
        assertThat(finished.at("/run/state").asText()).as(finished.toPrettyString()).isEqualTo("success");
        assertThat(finished.get("tasks")).extracting(t -> t.get("task_id").asText() + ":" + t.get("state").asText())
                .containsExactly("quality:success", "curate:success", "sessions:success", "model:success");
        assertThat(finished.get("attempts")).hasSize(4).allSatisfy(a -> {
            assertThat(a.get("exit_code").asInt()).isZero();
            assertThat(a.get("command").asText()).contains("lakehouse run " + a.get("task_id").asText() + " --date " + day);
        });

        // What the jobs built, read from the lake: the day's curated events, its KPIs and its quality checks.
        JsonNode lake = get("/api/lake", cookie);
        Map<String, Long> rows = new java.util.HashMap<>();
        lake.get("tables").forEach(t -> rows.put(t.get("name").asText(), t.path("rows").asLong()));
        assertThat(rows).as(lake.toPrettyString()).containsKeys("curated.events", "curated.sessions", "curated.daily_kpis");
        assertThat(rows.get("curated.events")).isPositive();
        assertThat(rows.get("curated.sessions")).isPositive();
        assertThat(rows.get("curated.daily_kpis")).isEqualTo(1);
        JsonNode quality = get("/api/lake/quality", cookie);
        assertThat(quality.get("rows")).as(quality.toPrettyString()).anySatisfy(r -> {
            assertThat(r.get("check_name").asText()).isEqualTo("has_events");
            assertThat(r.get("partition_date").asText()).isEqualTo(day.toString());
            assertThat(r.get("status").asText()).isEqualTo("pass");
        });

        browser.get(console + "/runs#run=" + triggeredRun);
        wait(d -> "success".equals(d.findElement(By.id("run-detail")).getAttribute("data-state")));
        chartDrawn("chart-graph");
        assertThat(browser.findElement(By.id("chart-graph")).getAttribute("data-states"))
                .isEqualTo("quality:success curate:success sessions:success model:success");
        long modelAttempt = 0;
        for (JsonNode a : finished.get("attempts")) {
            if (a.get("task_id").asText().equals("model")) {
                modelAttempt = a.get("attempt_id").asLong();
            }
        }
        long attempt = modelAttempt;
        click(By.id("log-" + attempt));
        String log = wait(d -> d.findElement(By.id("log-text")).getText());
        assertThat(log).contains("lakehouse run model --date " + day).contains("[model]")
                .contains("Running on the Spark job host");
        browser.executeScript("window.scrollTo(0, 0)");
        screenshot("runs");
        assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
    }

    @Test
    @Order(6)
    void theRolloutsPageShowsTheLiveSplitAndAnAbortFromThePageReturnsAllTraffic() throws Exception {
        String gatewayUrl = runtime.services().stream().filter(s -> s.name().equals("serving-gateway")).findFirst()
                .orElseThrow().endpoints().get("url");
        ServingClient gateway = new ServingClient(gatewayUrl, "");
        Path v1 = TinyModel.train(dataDir.resolve("tiny-1.json"), 5);
        Path v2 = TinyModel.train(dataDir.resolve("tiny-2.json"), 8);
        long first = gateway.start("model = tiny\nversion = \"1\"\nmodel-file = \"" + v1 + "\"").path("id").asLong();
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> gateway.rollout(first).path("state").asText().equals("promoted"));
        long canary = gateway.start("model = tiny\nversion = \"2\"\nmodel-file = \"" + v2 + "\"\nstrategy = canary\n"
                + "canary { steps = [30], analysis-interval = 10m }").path("id").asLong();
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> gateway.rollout(canary).path("phase").asText().equals("step"));

        browser.get(console + "/rollouts");
        if (browser.getCurrentUrl().endsWith("/login")) {
            browser.findElement(By.id("user")).sendKeys("admin");
            browser.findElement(By.id("password")).sendKeys("admin");
            browser.findElement(By.id("login-button")).click();
            wait(d -> d.getCurrentUrl().endsWith("/rollouts"));
        }
        wait(d -> d.findElement(By.cssSelector(".split[data-model='tiny']")).getText().equals("70% 1 · 30% 2"));
        wait(d -> d.findElement(By.id("rollouts-list")).getText().contains("progressing"));
        screenshot("rollouts");
        browser.findElement(By.cssSelector("button.rollout-abort[data-model='tiny']")).click();
        wait(d -> d.findElement(By.id("rollouts-list")).getText().contains("aborted"));
        wait(d -> d.findElement(By.cssSelector(".split[data-model='tiny']")).getText().equals("100% 1"));
        assertThat(gateway.rollout(canary).path("state").asText()).isEqualTo("aborted");
        browser.findElements(By.cssSelector("a.rollout-link")).stream().filter(a -> a.getText().equals(String.valueOf(canary)))
                .findFirst().orElseThrow().click();
        wait(d -> d.findElement(By.id("rollouts-analyses")).getText().contains("aborted by the operator"));
        assertThat(HeadlessChromium.consoleErrors(browser)).as("browser console errors on /rollouts").isEmpty();
    }

    @Test
    @Order(7)
    void theAbTestsPageShowsTheExperimentAndItsReportAndAStopFromThePageKeepsControl() throws Exception {
        String gatewayUrl = runtime.services().stream().filter(s -> s.name().equals("serving-gateway")).findFirst()
                .orElseThrow().endpoints().get("url");
        ServingClient gateway = new ServingClient(gatewayUrl, "");
        Path v3 = TinyModel.train(dataDir.resolve("tiny-3.json"), 9);
        // The model tiny serves version 1 (the rollouts test aborted its canary).
        gateway.startExperiment("name = tiny-3-vs-1\nmodel = tiny\ntreatment { version = \"3\", model-file = \"" + v3
                + "\" }\ncanary { analysis-interval = 10m }");
        Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> gateway.rollouts("tiny", 1).get(0).path("phase").asText()
                .equals("step"));

        browser.get(console + "/ab");
        if (browser.getCurrentUrl().endsWith("/login")) {
            browser.findElement(By.id("user")).sendKeys("admin");
            browser.findElement(By.id("password")).sendKeys("admin");
            browser.findElement(By.id("login-button")).click();
            wait(d -> d.getCurrentUrl().endsWith("/ab"));
        }
        wait(d -> d.findElement(By.id("ab-experiments")).getText().contains("running"));
        // The planned end is 14 days away (the default duration): the page says which day, not only a time of day.
        ZonedDateTime plannedEnd = Instant.parse(gateway.experimentReport("tiny-3-vs-1").path("planned_end").asText())
                .atZone(ZoneId.systemDefault());
        assertThat(text(By.id("ab-experiments")))
                .containsPattern(plannedEnd.getDayOfMonth() + " \\p{L}+ " + plannedEnd.getYear());
        browser.findElement(By.cssSelector("a.ab-link[data-experiment='tiny-3-vs-1']")).click();
        wait(d -> d.findElement(By.id("ab-report")).getText().contains("no outcomes yet"));
        screenshot("ab");
        browser.findElement(By.cssSelector("button.ab-stop-control[data-experiment='tiny-3-vs-1']")).click();
        wait(d -> d.findElement(By.id("ab-experiments")).getText().contains("stopped"));
        assertThat(gateway.experiment("tiny-3-vs-1").path("decision").asText()).startsWith("control version 1 kept");
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> gateway.rollouts("tiny", 1).get(0).path("state").asText()
                .equals("aborted"));
        assertThat(HeadlessChromium.consoleErrors(browser)).as("browser console errors on /ab").isEmpty();
    }

    private String logOf(JsonNode attempt, String cookie) throws Exception {
        return get("/api/runs/" + attempt.get("run_id").asLong() + "/attempts/" + attempt.get("attempt_id").asLong()
                + "/log", cookie).path("text").asText();
    }

    /** Records of events.raw that carry the replay header naming {@code failureId}. */
    private List<ConsumerRecord<String, byte[]>> replayedFrom(String failureId) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(runtime.serviceConfig(), "console-test-" + UUID.randomUUID()))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.RAW).stream()
                    .map(p -> new TopicPartition(Topics.RAW, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    Header header = r.headers().lastHeader("replayed-from-failure");
                    if (header != null && failureId.equals(new String(header.value(), StandardCharsets.UTF_8))) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    private void chartDrawn(String id) {
        wait(d -> "true".equals(d.findElement(By.id(id)).getAttribute("data-rendered"))
                && !d.findElements(By.cssSelector("#" + id + " canvas")).isEmpty());
    }

    private <T> T wait(java.util.function.Function<org.openqa.selenium.WebDriver, T> condition) {
        return HeadlessChromium.until(browser, PAGE_WAIT, condition);
    }

    private String text(By element) {
        return HeadlessChromium.text(browser, PAGE_WAIT, element);
    }

    private void click(By element) {
        HeadlessChromium.click(browser, PAGE_WAIT, element);
    }

    private void screenshot(String name) throws Exception {
        HeadlessChromium.screenshot(browser, name);
    }

    private String login() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(console + "/login/submit"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("user=admin&password=admin")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(303);
        return response.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    private JsonNode get(String path, String cookie) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(console + path))
                .header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }
}
