package dev.noexcuses.collector;

import static dev.noexcuses.collector.CollectorFixture.KEY;
import static dev.noexcuses.collector.CollectorFixture.json;
import static dev.noexcuses.collector.CollectorFixture.validEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.infra.SharedLocalInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CollectorRestTest {
    private static CollectorServer collector;
    private static CollectorFixture fixture;

    @BeforeAll
    static void start() {
        Config config = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.max-body-bytes", "65536", "collector.trusted-proxies.0", "127.0.0.1/32"));
        collector = CollectorServer.start(config);
        fixture = new CollectorFixture(config, collector);
    }

    @AfterAll
    static void stop() {
        collector.close();
    }

    @Test
    void acceptsABatchAndWritesEveryEventToTheRawTopicWithCollectorMetadata() {
        ArrayNode batch = Json.mapper().createArrayNode();
        List<String> ids = new ArrayList<>();
        IntStream.range(0, 25).forEach(i -> {
            ObjectNode e = validEvent();
            ids.add(e.get("event_id").asText());
            batch.add(e);
        });

        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, Json.toBytes(batch),
                "user-agent", "shop-test/1.0");

        assertThat(response.status().code()).isEqualTo(200);
        assertThat(json(response).get("accepted").asInt()).isEqualTo(25);
        assertThat(json(response).get("rejected")).isEmpty();
        List<JsonNode> raw = fixture.awaitRecords(Topics.RAW, ids, 25);
        assertThat(raw).extracting(r -> r.get("event_id").asText()).containsExactlyInAnyOrderElementsOf(ids);
        JsonNode metadata = raw.get(0).get("collector");
        assertThat(metadata.get("request_id").asText()).isEqualTo(json(response).get("request_id").asText());
        assertThat(metadata.get("user_agent").asText()).isEqualTo("shop-test/1.0");
        assertThat(metadata.get("client_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(metadata.get("authenticated_source").asText()).isEqualTo("web-shop");
        assertThat(metadata.get("transport").asText()).isEqualTo("rest");
        assertThat(Instant.parse(metadata.get("received_at").asText())).isCloseTo(Instant.now(),
                org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
        assertThat(fixture.awaitRecords(Topics.RAW_DLQ, ids, 0)).isEmpty();
    }

    @Test
    void answersPerEventAndSendsEachKindOfTopLevelViolationToTheDlqWithItsPath() {
        record Case(String path, Consumer<ObjectNode> breakIt) {}
        List<Case> cases = List.of(
                new Case("$.event_id", e -> e.put("event_id", "not-a-uuid")),
                new Case("$.schema", e -> e.put("schema", "page_view")),
                new Case("$.schema", e -> e.remove("schema")),
                new Case("$.event_time", e -> e.put("event_time", "yesterday")),
                new Case("$.event_time", e -> e.put("event_time", Instant.now().plus(2, ChronoUnit.DAYS).toString())),
                new Case("$.source", e -> e.put("source", "someone-else")),
                new Case("$.source", e -> e.put("source", 42)),
                new Case("$.user_id", e -> e.remove("anonymous_id")),
                new Case("$.data", e -> e.put("data", "not an object")),
                new Case("$.user_id", e -> e.put("user_id", 7)),
                new Case("$.anonymous_id", e -> e.put("anonymous_id", "a".repeat(20_000))),
                new Case("$.source", e -> e.put("source", "s".repeat(129))),
                new Case("$.schema", e -> e.put("schema", "com.webshop/" + "p".repeat(300) + "/1-0-0")),
                new Case("$.event_time", e -> e.put("event_time", "1900-01-01T00:00:00Z")));
        ArrayNode batch = Json.mapper().createArrayNode();
        List<String> validIds = new ArrayList<>();
        List<String> invalidIds = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            ObjectNode good = validEvent();
            validIds.add(good.get("event_id").asText());
            batch.add(good);
            ObjectNode bad = validEvent();
            cases.get(i).breakIt().accept(bad);
            invalidIds.add(bad.get("event_id").asText());
            batch.add(bad);
        }

        AggregatedHttpResponse response = fixture.postJson(batch);

        assertThat(response.status().code()).isEqualTo(200);
        JsonNode answer = json(response);
        assertThat(answer.get("accepted").asInt()).isEqualTo(cases.size());
        assertThat(answer.get("rejected")).hasSize(cases.size());
        for (int i = 0; i < cases.size(); i++) {
            JsonNode rejection = answer.get("rejected").get(i);
            assertThat(rejection.get("index").asInt()).isEqualTo(2 * i + 1);
            assertThat(rejection.get("reasons").toString()).contains(cases.get(i).path());
        }
        assertThat(fixture.awaitRecords(Topics.RAW, validIds, validIds.size()))
                .extracting(r -> r.get("event_id").asText()).containsExactlyInAnyOrderElementsOf(validIds);
        List<JsonNode> failed = fixture.awaitRecordsContaining(Topics.RAW_DLQ, answer.get("request_id").asText(),
                cases.size());
        assertThat(failed).hasSize(cases.size());
        assertThat(failed).allSatisfy(f -> {
            assertThat(f.get("failure_type").asText()).isEqualTo("payload_format");
            assertThat(f.get("component").asText()).isEqualTo("collector");
            assertThat(f.get("errors")).isNotEmpty();
        });
        assertThat(failed).filteredOn(f -> f.hasNonNull("event_id")).extracting(f -> f.get("event_id").asText())
                .containsExactlyInAnyOrderElementsOf(invalidIds);
        // The original event is kept untouched, byte for byte.
        JsonNode futureEvent = failed.stream().filter(f -> f.get("errors").toString().contains("in the future"))
                .findFirst().orElseThrow();
        JsonNode original = batch.get(9);
        assertThat(Json.fromBytes(futureEvent.get("payload").asText().getBytes(StandardCharsets.UTF_8),
                JsonNode.class)).isEqualTo(original);
    }

    @Test
    void aBatchWithNoValidEventAnswers400AndStillRecordsEveryEvent() {
        ObjectNode bad = validEvent();
        bad.remove("data");
        AggregatedHttpResponse response = fixture.postJson(bad);
        assertThat(response.status().code()).isEqualTo(400);
        assertThat(json(response).get("accepted").asInt()).isZero();
        assertThat(fixture.awaitRecords(Topics.RAW_DLQ, List.of(bad.get("event_id").asText()), 1)).hasSize(1);
    }

    @Test
    void malformedJsonGets400AndAPayloadFormatRecordWithTheOriginalBytes() {
        byte[] body = "[{\"event_id\": \"x\", ".getBytes(StandardCharsets.UTF_8);
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, body);
        assertThat(response.status().code()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).startsWith("malformed JSON");
        JsonNode record = single(json(response));
        assertThat(record.get("failure_type").asText()).isEqualTo("payload_format");
        assertThat(record.get("payload").asText()).isEqualTo("[{\"event_id\": \"x\", ");
    }

    @Test
    void malformedProtobufGets400AndARecordWithTheOriginalBytesInBase64() {
        byte[] body = {0x0a, 0x7f, 0x01, 0x02, (byte) 0xff};
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.parse("application/x-protobuf"), body);
        assertThat(response.status().code()).isEqualTo(400);
        JsonNode record = single(json(response));
        assertThat(record.get("payload_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(record.get("payload").asText())).isEqualTo(body);
    }

    @Test
    void acceptsAProtobufBatchOverRest() {
        ObjectNode a = validEvent();
        ObjectNode b = validEvent();
        b.put("event_id", "broken");
        EventBatch batch = EventBatch.newBuilder().addEvents(ProtoJson.fromJson(a)).addEvents(ProtoJson.fromJson(b))
                .build();
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.parse("application/x-protobuf"),
                batch.toByteArray());
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(json(response).get("accepted").asInt()).isEqualTo(1);
        assertThat(json(response).get("rejected").get(0).get("index").asInt()).isEqualTo(1);
        JsonNode raw = fixture.awaitRecords(Topics.RAW, List.of(a.get("event_id").asText()), 1).get(0);
        assertThat(raw.get("data")).isEqualTo(a.get("data"));
    }

    @Test
    void anOversizedBodyGets413AndASizeRecordKeepingOnlyTheFirstBytes() {
        byte[] body = new byte[200_000];
        Arrays.fill(body, (byte) 'x');
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, body);
        assertThat(response.status().code()).isEqualTo(413);
        JsonNode record = single(json(response));
        assertThat(record.get("failure_type").asText()).isEqualTo("size");
        assertThat(record.get("payload_truncated").asBoolean()).isTrue();
        assertThat(record.get("payload").asText()).hasSize(4096).matches("x+");
    }

    @Test
    void aWrongContentTypeGets415AndARecord() {
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.XML_UTF_8,
                "<hello/>".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status().code()).isEqualTo(415);
        JsonNode record = single(json(response));
        assertThat(record.get("payload").asText()).isEqualTo("<hello/>");
        assertThat(record.get("context").get("content_type").asText()).startsWith("text/xml");
    }

    @Test
    void aBeaconWithTheWriteKeyInTheQueryAndATextPlainJsonBodyIsAccepted() {
        AggregatedHttpResponse response = fixture.beacon(KEY, Json.toBytes(List.of(validEvent())));
        assertThat(response.status().code()).as(response.contentUtf8()).isEqualTo(200);
        assertThat(json(response).get("accepted").asInt()).isEqualTo(1);
        assertThat(fixture.beacon("guess", Json.toBytes(List.of(validEvent()))).status().code()).isEqualTo(401);
    }

    @Test
    void aMissingOrWrongWriteKeyGets401IsCountedAndRecordedWithoutTheKey() {
        AggregatedHttpResponse missing = fixture.post(null, MediaType.JSON_UTF_8, Json.toBytes(validEvent()));
        AggregatedHttpResponse wrong = fixture.post("guess", MediaType.JSON_UTF_8, Json.toBytes(validEvent()));
        assertThat(missing.status().code()).isEqualTo(401);
        assertThat(wrong.status().code()).isEqualTo(401);
        assertThat(json(missing).get("error").asText()).contains("missing write key");
        JsonNode record = single(json(wrong));
        assertThat(record.get("failure_type").asText()).isEqualTo("auth");
        assertThat(record.toString()).doesNotContain("guess");
        assertThat(fixture.counter("collector_auth_failures_total")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void takesTheClientIpFromXForwardedForOnlyFromATrustedProxy() {
        ObjectNode e = validEvent();
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, Json.toBytes(e),
                "x-forwarded-for", "198.51.100.7, 203.0.113.9");
        assertThat(response.status().code()).isEqualTo(200);
        JsonNode raw = fixture.awaitRecords(Topics.RAW, List.of(e.get("event_id").asText()), 1).get(0);
        assertThat(raw.get("collector").get("client_ip").asText()).isEqualTo("203.0.113.9");
    }

    @Test
    void exposesHealthReadinessAndMetricsOnTheAdminPortOnlyNotOnTheIngestionPort() {
        assertThat(fixture.admin("/healthz").status().code()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> fixture.admin("/readyz").status().code() == 200);
        fixture.postJson(validEvent());
        assertThat(fixture.get("/metrics").status().code()).isEqualTo(404);
        assertThat(fixture.get("/healthz").status().code()).isEqualTo(404);
        assertThat(fixture.get("/readyz").status().code()).isEqualTo(404);
        String metrics = fixture.admin("/metrics").contentUtf8();
        assertThat(metrics).contains("collector_events_accepted_total{transport=\"rest\"}");
        assertThat(metrics).contains("collector_request_latency_seconds_bucket");
    }

    @Test
    void acceptsGzipAndZstdCompressedBatches() throws Exception {
        for (String encoding : List.of("gzip", "zstd")) {
            ArrayNode batch = Json.mapper().createArrayNode();
            List<String> ids = new ArrayList<>();
            IntStream.range(0, 50).forEach(i -> {
                ObjectNode e = validEvent();
                ids.add(e.get("event_id").asText());
                batch.add(e);
            });
            AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8,
                    compress(encoding, Json.toBytes(batch)), "content-encoding", encoding);
            assertThat(response.status().code()).as(encoding).isEqualTo(200);
            assertThat(json(response).get("accepted").asInt()).isEqualTo(50);
            assertThat(fixture.awaitRecords(Topics.RAW, ids, 50)).hasSize(50);
        }
    }

    @Test
    void aSmallCompressedBombGets413WithoutBeingInflatedPastTheLimit() throws Exception {
        // 32 MiB of zeros gzip to about 32 KiB; only the first 65,537 decompressed bytes are ever made.
        byte[] bomb = gzipZeros(32 * 1024 * 1024);
        assertThat(bomb.length).isLessThan(65536);
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, bomb, "content-encoding", "gzip");
        assertThat(response.status().code()).isEqualTo(413);
        assertThat(json(response).get("error").asText()).contains("once decompressed");
        JsonNode record = single(json(response));
        assertThat(record.get("failure_type").asText()).isEqualTo("size");
        assertThat(record.get("context").get("content_encoding").asText()).isEqualTo("gzip");
    }

    @Test
    void aCorruptGzipBodyGets400AndARecordOfTheBytesSent() {
        byte[] notGzip = "definitely not gzip".getBytes(StandardCharsets.UTF_8);
        AggregatedHttpResponse response = fixture.post(KEY, MediaType.JSON_UTF_8, notGzip, "content-encoding", "gzip");
        assertThat(response.status().code()).isEqualTo(400);
        JsonNode record = single(json(response));
        assertThat(Base64.getDecoder().decode(record.get("payload").asText())).isEqualTo(notGzip);
    }

    @Test
    void theSdkCompressesItsBatchesAndEveryEventArrives() throws Exception {
        List<String> ids = new ArrayList<>();
        List<java.util.concurrent.CompletableFuture<dev.noexcuses.producers.sdk.Delivery>> deliveries = new ArrayList<>();
        double gzipBefore = gzipRequests();
        try (var client = dev.noexcuses.producers.sdk.EventClient.builder(
                java.net.URI.create("http://127.0.0.1:" + collector.port())).writeKey(KEY).batchSize(100).build()) {
            for (int i = 0; i < 300; i++) {
                ObjectNode e = validEvent();
                ids.add(e.get("event_id").asText());
                deliveries.add(client.send(e));
            }
            client.flush();
        }
        assertThat(deliveries).allSatisfy(d -> assertThat(d.join().outcome())
                .isEqualTo(dev.noexcuses.producers.sdk.Delivery.Outcome.ACCEPTED));
        assertThat(fixture.awaitRecords(Topics.RAW, ids, 300)).hasSize(300);
        assertThat(gzipRequests()).isGreaterThan(gzipBefore);
    }

    private static double gzipRequests() {
        return fixture.counter("collector_requests_decompressed_total");
    }

    private static byte[] compress(String encoding, byte[] body) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream z = encoding.equals("gzip") ? new java.util.zip.GZIPOutputStream(out)
                : new com.github.luben.zstd.ZstdOutputStream(out)) {
            z.write(body);
        }
        return out.toByteArray();
    }

    private static byte[] gzipZeros(int size) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            byte[] zeros = new byte[1024 * 1024];
            for (int written = 0; written < size; written += zeros.length) {
                z.write(zeros);
            }
        }
        return out.toByteArray();
    }

    /** The one failed-event record of the request that produced {@code answer}. */
    private static JsonNode single(JsonNode answer) {
        List<JsonNode> records = fixture.awaitRecordsContaining(Topics.RAW_DLQ, answer.get("request_id").asText(), 1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
