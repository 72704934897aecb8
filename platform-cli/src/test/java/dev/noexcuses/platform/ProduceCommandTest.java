package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.collector.CollectorServer;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.kafka.TopicReader;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.platform.cli.Commands;
import dev.noexcuses.platform.verify.RunLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./platform produce} and the SDK under it against a real collector on the shared real Kafka: the
 * simulator's seed, each transport of the SDK, and file replay (JSON Lines, CSV).
 */
class ProduceCommandTest {
    private static CollectorServer collector;
    private static Config config;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void startCollector() {
        config = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0"));
        collector = CollectorServer.start(config);
    }

    @AfterAll
    static void stopCollector() {
        collector.close();
    }

    @Test
    void eachRunWithoutASeedSendsNewEventsAndPrintsTheSeedThatRepeatsIt() throws Exception {
        Run first = produce();
        Run second = produce();
        assertThat(first.seed()).isNotEqualTo(second.seed());
        assertThat(first.acceptedIds()).hasSize(50).doesNotContainAnyElementsOf(second.acceptedIds());
        assertThat(second.acceptedIds()).hasSize(50);

        Run again = produce("--seed", String.valueOf(first.seed()));
        assertThat(again.seed()).isEqualTo(first.seed());
        assertThat(again.acceptedIds()).isEqualTo(first.acceptedIds());
    }

    @ParameterizedTest
    @EnumSource(EventClient.Protocol.class)
    void eachTransportOfTheSdkDeliversEveryValidEventAndReportsTheRejectedOneById(EventClient.Protocol protocol)
            throws Exception {
        WebShopSimulator simulator = new WebShopSimulator(protocol.ordinal(), "web-shop", 10, 0, 0);
        List<ObjectNode> valid = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            valid.add(simulator.next().event());
        }
        ObjectNode bad = simulator.next().event().put("event_id", "not-a-uuid-" + protocol);
        List<CompletableFuture<Delivery>> deliveries = new ArrayList<>();
        try (EventClient client = EventClient.builder(URI.create("http://127.0.0.1:" + collector.port()))
                .writeKey("local-dev-key").protocol(protocol).batchSize(7).build()) {
            valid.forEach(e -> deliveries.add(client.send(e)));
            deliveries.add(client.send(bad));
            client.flush();
        }
        List<Delivery> answers = deliveries.stream().map(CompletableFuture::join).toList();
        assertThat(answers.subList(0, 30)).allSatisfy(d -> assertThat(d.outcome()).isEqualTo(Delivery.Outcome.ACCEPTED));
        assertThat(answers.get(30).outcome()).isEqualTo(Delivery.Outcome.REJECTED);
        assertThat(answers.get(30).eventId()).isEqualTo("not-a-uuid-" + protocol);
        assertThat(answers.get(30).reasons()).anyMatch(r -> r.startsWith("$.event_id"));

        Set<String> ids = valid.stream().map(e -> e.get("event_id").asText()).collect(Collectors.toSet());
        List<JsonNode> raw = records(Topics.RAW, ids);
        assertThat(raw).extracting(r -> r.get("event_id").asText()).containsExactlyInAnyOrderElementsOf(ids);
        String transport = protocol == EventClient.Protocol.GRPC ? "grpc" : "rest";
        assertThat(raw).allSatisfy(r -> assertThat(r.at("/collector/transport").asText()).isEqualTo(transport));
        // The data arrived as it was sent, whatever the encoding on the wire.
        Map<String, JsonNode> sentById = valid.stream().collect(Collectors.toMap(e -> e.get("event_id").asText(),
                e -> e.get("data")));
        assertThat(raw).allSatisfy(r -> assertThat(r.get("data")).isEqualTo(sentById.get(r.get("event_id").asText())));
    }

    @Test
    void replaysAJsonLinesFileReportingTheUnreadableLineByNumber() throws Exception {
        WebShopSimulator simulator = new WebShopSimulator(99, "web-shop", 10, 0, 0);
        List<String> ids = new ArrayList<>();
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            ObjectNode event = simulator.next().event();
            ids.add(event.get("event_id").asText());
            jsonl.append(Json.toText(event)).append('\n');
            if (i == 2) {
                jsonl.append("{not json\n");
            }
        }
        Path file = Files.writeString(dataDir.resolve("events.jsonl"), jsonl);

        Replay replay = replay(file);
        assertThat(replay.exitCode()).as("an unreadable line fails the replay").isEqualTo(1);
        assertThat(replay.output()).contains("Replayed 6 lines: sent 5, accepted 5, rejected 0")
                .contains("unreadable line 4:");
        assertThat(records(Topics.RAW, Set.copyOf(ids))).extracting(r -> r.get("event_id").asText())
                .containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void replaysACsvFileWhoseQuotedFieldsHoldCommasQuotesAndLineBreaks() throws Exception {
        String first = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        String now = Instant.now().toString();
        String csv = "event_id,schema,event_time,source,user_id,anonymous_id,data\n"
                + first + ",com.webshop/search/1-0-0," + now + ",web-shop,u-1,,"
                + "\"{\"\"query\"\": \"\"red shoes, size 42\\nand \\\"\"laces\\\"\"\"\", \"\"results\"\": 3}\"\n"
                + second + ",com.webshop/page_view/1-0-0," + now + ",web-shop,,anon-2,"
                + "\"{\"\"url\"\": \"\"/\"\",\n \"\"page_type\"\": \"\"home\"\"}\"\n";
        Path file = Files.writeString(dataDir.resolve("events.csv"), csv);

        Replay replay = replay(file);
        assertThat(replay.exitCode()).as(replay.output()).isZero();
        assertThat(replay.output()).contains("sent 2, accepted 2, rejected 0");
        List<JsonNode> raw = records(Topics.RAW, Set.of(first, second));
        assertThat(raw).hasSize(2);
        JsonNode search = raw.stream().filter(r -> r.get("event_id").asText().equals(first)).findFirst().orElseThrow();
        assertThat(search.at("/data/query").asText()).isEqualTo("red shoes, size 42\nand \"laces\"");
        assertThat(search.at("/user_id").asText()).isEqualTo("u-1");
        JsonNode view = raw.stream().filter(r -> r.get("event_id").asText().equals(second)).findFirst().orElseThrow();
        assertThat(view.at("/data/page_type").asText()).isEqualTo("home");
        assertThat(view.at("/anonymous_id").asText()).isEqualTo("anon-2");
    }

    private record Replay(int exitCode, String output) {}

    private Replay replay(Path file) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            code = Commands.execute("produce", "--file", file.toString(), "--url",
                    "http://127.0.0.1:" + collector.port(), "--data-dir", dataDir.toString());
        } finally {
            System.setOut(original);
        }
        return new Replay(code, out.toString(StandardCharsets.UTF_8));
    }

    /** The records of {@code topic} with these event ids, read until each is there. */
    private static List<JsonNode> records(String topic, Set<String> ids) {
        return TopicReader.awaitMatching(config, topic, r -> ids.contains(Json.fromBytes(r.value(), JsonNode.class)
                        .path("event_id").asText()), ids.size(), Duration.ofSeconds(60)).stream()
                .map(r -> Json.fromBytes(r.value(), JsonNode.class)).toList();
    }

    private record Run(long seed, Set<String> acceptedIds) {}

    private Run produce(String... extra) throws Exception {
        Instant before = Instant.now();
        List<String> args = new ArrayList<>(List.of("produce", "--events", "50", "--rate", "0", "--invalid-share", "0",
                "--duplicate-share", "0", "--url", "http://127.0.0.1:" + collector.port(),
                "--data-dir", dataDir.toString()));
        args.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int code;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            code = Commands.execute(args.toArray(String[]::new));
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed).isZero();
        Matcher seed = Pattern.compile("with seed (\\d+) \\(--seed \\1 sends the same events again\\)").matcher(printed);
        assertThat(seed.find()).as(printed).isTrue();
        List<RunLog> runs = RunLog.readAll(dataDir, before, Instant.now());
        Set<String> ids = new HashSet<>();
        runs.stream().filter(r -> !r.startedAt().isBefore(before)).forEach(r -> ids.addAll(r.acceptedIds()));
        return new Run(Long.parseLong(seed.group(1)), ids);
    }
}
