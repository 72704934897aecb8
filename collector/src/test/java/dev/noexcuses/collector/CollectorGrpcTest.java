package dev.noexcuses.collector;

import static dev.noexcuses.collector.CollectorFixture.validEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.SendResponse;
import dev.noexcuses.infra.SharedLocalInfra;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CollectorGrpcTest {
    private static CollectorServer collector;
    private static CollectorFixture fixture;

    @BeforeAll
    static void start() {
        Config config = SharedLocalInfra.serviceConfig(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.max-body-bytes", "65536"));
        collector = CollectorServer.start(config);
        fixture = new CollectorFixture(config, collector);
    }

    @AfterAll
    static void stop() {
        collector.close();
    }

    private static CollectorServiceGrpc.CollectorServiceBlockingStub stub(String key) {
        var builder = GrpcClients.builder("gproto+http://127.0.0.1:" + collector.port() + "/");
        if (key != null) {
            builder.addHeader("x-write-key", key);
        }
        return builder.build(CollectorServiceGrpc.CollectorServiceBlockingStub.class);
    }

    @Test
    void sendsValidEventsToTheRawTopicAndInvalidOnesToTheDlqOverGrpc() {
        List<String> valid = new ArrayList<>();
        EventBatch.Builder batch = EventBatch.newBuilder();
        for (int i = 0; i < 10; i++) {
            ObjectNode e = validEvent();
            valid.add(e.get("event_id").asText());
            batch.addEvents(ProtoJson.fromJson(e));
        }
        ObjectNode bad = validEvent();
        bad.put("event_time", "not a time");
        batch.addEvents(ProtoJson.fromJson(bad));

        SendResponse response = stub(CollectorFixture.KEY).send(batch.build());

        assertThat(response.getAccepted()).isEqualTo(10);
        assertThat(response.getRejectedList()).singleElement().satisfies(r -> {
            assertThat(r.getIndex()).isEqualTo(10);
            assertThat(r.getEventId()).isEqualTo(bad.get("event_id").asText());
            assertThat(r.getReasonsList()).anyMatch(reason -> reason.startsWith("$.event_time"));
        });
        List<JsonNode> raw = fixture.awaitRecords(Topics.RAW, valid, 10);
        assertThat(raw).extracting(r -> r.get("event_id").asText()).containsExactlyInAnyOrderElementsOf(valid);
        assertThat(raw).allSatisfy(r -> assertThat(r.get("collector").get("transport").asText()).isEqualTo("grpc"));
        List<JsonNode> failed = fixture.awaitRecords(Topics.RAW_DLQ, List.of(bad.get("event_id").asText()), 1);
        assertThat(failed).singleElement().satisfies(f -> {
            assertThat(f.get("payload_encoding").asText()).isEqualTo("base64");
            assertThat(f.get("context").get("payload_format").asText()).isEqualTo("protobuf");
        });
    }

    @Test
    void refusesAMissingOrUnknownWriteKeyWithUnauthenticated() {
        EventBatch batch = EventBatch.newBuilder().addEvents(ProtoJson.fromJson(validEvent())).build();
        assertThatThrownBy(() -> stub(null).send(batch))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> stub("wrong").send(batch))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).contains("unknown write key"));
    }

    @Test
    void anEmptyBatchIsAnInvalidArgument() {
        assertThatThrownBy(() -> stub(CollectorFixture.KEY).send(EventBatch.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
}
