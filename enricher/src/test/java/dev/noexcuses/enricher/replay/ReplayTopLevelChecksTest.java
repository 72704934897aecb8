package dev.noexcuses.enricher.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.failure.FailedEvent;
import dev.noexcuses.common.failure.FailureError;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.intake.WriteKeys;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.enricher.KafkaTestSupport;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.infra.kafka.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** replay-dlq of the collector's failures: only what passes the collector's own checks reaches events.raw. */
class ReplayTopLevelChecksTest {
    private static KafkaTestSupport kafka;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestSupport("replay-checks");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    record Case(String name, String expectedPath, String writeKey, Consumer<ObjectNode> breakIt) {}

    @Test
    void eachTopLevelFailureFailsAgainIntoTheDlqWithANewRecordAndOnlyFixedEventsReachTheRawTopic() {
        List<Case> stillInvalid = List.of(
                new Case("non-UUID id", "$.event_id", "local-dev-key", e -> e.put("event_id", "not-a-uuid")),
                new Case("unparseable time", "$.event_time", "local-dev-key", e -> e.put("event_time", "yesterday")),
                new Case("time in 1900", "$.event_time", "local-dev-key", e -> e.put("event_time", "1900-01-01T00:00:00Z")),
                new Case("future time", "$.event_time", "local-dev-key",
                        e -> e.put("event_time", Instant.now().plus(Duration.ofDays(3)).toString())),
                new Case("source not allowed for its key", "$.source", "local-dev-key", e -> e.put("source", "someone-else")),
                new Case("key no longer configured", "$.source", "revoked-key", e -> {}),
                new Case("500 KB anonymous id", "$.anonymous_id", "local-dev-key",
                        e -> e.put("anonymous_id", "a".repeat(500_000))),
                new Case("no user", "$.user_id", "local-dev-key", e -> e.remove("anonymous_id")),
                new Case("no data", "$.data", "local-dev-key", e -> e.remove("data")),
                new Case("schema not a reference", "$.schema", "local-dev-key", e -> e.put("schema", "page_view")));
        Map<String, Case> caseByFailureId = new LinkedHashMap<>();
        List<String> allIds = new ArrayList<>();
        for (Case c : stillInvalid) {
            ObjectNode event = validEvent();
            c.breakIt().accept(event);
            String id = event.path("event_id").asText();
            allIds.add(id);
            FailedEvent failed = collectorFailure(Json.toBytes(event), false, id, c.writeKey(), true);
            caseByFailureId.put(failed.failureId(), c);
            kafka.sendBytes(id, Json.toBytes(failed));
        }
        // Fixed since they failed (a key's sources were corrected): these two go through.
        ObjectNode fixedJson = validEvent();
        byte[] fixedJsonBytes = Json.toBytes(fixedJson);
        ObjectNode fixedProtobuf = validEvent();
        byte[] protobufBytes = ProtoJson.fromJson(fixedProtobuf).toByteArray();
        for (FailedEvent f : List.of(
                collectorFailure(fixedJsonBytes, false, fixedJson.get("event_id").asText(), "local-dev-key", true),
                collectorFailure(protobufBytes, true, fixedProtobuf.get("event_id").asText(), "local-dev-key", true))) {
            kafka.sendBytes(f.eventId(), Json.toBytes(f));
        }
        allIds.add(fixedJson.get("event_id").asText());
        allIds.add(fixedProtobuf.get("event_id").asText());
        // A whole request that was never JSON fails again too.
        byte[] garbage = "[{\"event_id\": ".getBytes(StandardCharsets.UTF_8);
        FailedEvent malformed = collectorFailure(garbage, false, null, "local-dev-key", false);
        kafka.sendBytes("malformed", Json.toBytes(malformed));

        ReplayResult result = new DlqReplayer(SharedLocalInfra.serviceConfig(Map.of())).replay(
                new ReplayRequest(kafka.input, Topics.RAW, Optional.empty(), Optional.empty()), ReplayProgress.NONE);

        assertThat(result.replayed()).isEqualTo(2);
        assertThat(result.failedAgain()).isEqualTo(stillInvalid.size() + 1);
        Set<String> idSet = Set.copyOf(allIds);
        var raw = TopicReader.awaitMatching(SharedLocalInfra.serviceConfig(Map.of()), Topics.RAW,
                r -> idSet.contains(Json.fromBytes(r.value(), JsonNode.class).path("event_id").asText()), 2,
                Duration.ofSeconds(30));
        assertThat(raw).extracting(r -> Json.fromBytes(r.value(), JsonNode.class).get("event_id").asText())
                .containsExactlyInAnyOrder(fixedJson.get("event_id").asText(), fixedProtobuf.get("event_id").asText());
        assertThat(raw).anySatisfy(r -> assertThat(r.value()).isEqualTo(fixedJsonBytes));

        Set<String> originals = new java.util.HashSet<>(caseByFailureId.keySet());
        originals.add(malformed.failureId());
        List<FailedEvent> again = TopicReader.awaitMatching(SharedLocalInfra.serviceConfig(Map.of()), Topics.RAW_DLQ,
                        r -> originals.contains(Json.fromBytes(r.value(), FailedEvent.class).context()
                                .get(DlqReplayer.REPLAYED_FROM_CONTEXT)), originals.size(), Duration.ofSeconds(30))
                .stream().map(r -> Json.fromBytes(r.value(), FailedEvent.class)).toList();
        assertThat(again).hasSize(originals.size());
        Map<String, FailedEvent> byOrigin = again.stream().collect(Collectors.toMap(
                f -> f.context().get(DlqReplayer.REPLAYED_FROM_CONTEXT), f -> f));
        caseByFailureId.forEach((failureId, c) -> {
            FailedEvent f = byOrigin.get(failureId);
            assertThat(f.failureType()).as(c.name()).isEqualTo(FailureType.PAYLOAD_FORMAT);
            assertThat(f.errors()).as(c.name()).extracting(FailureError::path).contains(c.expectedPath());
            assertThat(f.failureId()).isNotEqualTo(failureId);
        });
        assertThat(byOrigin.get(malformed.failureId()).errors().get(0).message()).startsWith("malformed JSON");
    }

    private static ObjectNode validEvent() {
        ObjectNode e = Json.mapper().createObjectNode();
        e.put("event_id", UUID.randomUUID().toString());
        e.put("schema", "com.webshop/page_view/1-0-0");
        e.put("event_time", Instant.now().toString());
        e.put("source", "web-shop");
        e.put("anonymous_id", "a-" + UUID.randomUUID());
        e.putObject("data").put("url", "https://shop.example.com/").put("page_type", "home");
        return e;
    }

    /** A record as the collector writes it for one event of a batch ({@code perEvent}) or a whole request. */
    private static FailedEvent collectorFailure(byte[] payload, boolean binary, String eventId, String writeKey,
                                                boolean perEvent) {
        Map<String, String> context = new LinkedHashMap<>();
        context.put("request_id", "r-" + UUID.randomUUID());
        context.put("transport", "rest");
        context.put("write_key", WriteKeys.fingerprint(writeKey));
        if (perEvent) {
            context.put("batch_index", "0");
            context.put("payload_format", binary ? "protobuf" : "json");
        }
        List<FailureError> errors = List.of(new FailureError("$", "failed at the collector"));
        return binary
                ? FailedEvent.ofBinary(FailureType.PAYLOAD_FORMAT, "collector", errors, eventId, payload,
                        Integer.MAX_VALUE, Instant.now(), context)
                : FailedEvent.ofBytes(FailureType.PAYLOAD_FORMAT, "collector", errors, eventId, payload,
                        Integer.MAX_VALUE, Instant.now(), context);
    }
}
