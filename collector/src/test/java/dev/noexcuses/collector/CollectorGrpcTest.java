package dev.noexcuses.collector;

import static dev.noexcuses.collector.CollectorFixture.validEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedOutputStream;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.proto.CollectorServiceGrpc;
import dev.noexcuses.common.proto.Event;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.common.proto.SendResponse;
import dev.noexcuses.infra.SharedLocalInfra;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Base64;
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

    @Test
    void aMalformedFrameIsRefusedAndRecordedWithTheBytesReceived() {
        byte[] frame = {0, 0, 0, 0, 9, 1, 2, 3};
        String agent = "grpc-frame-" + java.util.UUID.randomUUID();
        AggregatedHttpResponse response = rawGrpcCall(frame, agent);
        assertThat(grpcStatus(response)).isEqualTo(String.valueOf(Status.Code.INVALID_ARGUMENT.value()));
        JsonNode record = fixture.awaitRecordsContaining(Topics.RAW_DLQ, agent, 1).get(0);
        assertThat(record.get("failure_type").asText()).isEqualTo("payload_format");
        assertThat(record.get("context").get("transport").asText()).isEqualTo("grpc");
        assertThat(Base64.getDecoder().decode(record.get("payload").asText())).isEqualTo(frame);
    }

    @Test
    void aMalformedMessageIsRefusedAndRecordedWithTheBytesReceived() {
        byte[] message = {0x0a, 0x7f, 0x01, 0x02, (byte) 0xff};
        byte[] frame = new byte[5 + message.length];
        frame[4] = (byte) message.length;
        System.arraycopy(message, 0, frame, 5, message.length);
        String agent = "grpc-frame-" + java.util.UUID.randomUUID();
        AggregatedHttpResponse response = rawGrpcCall(frame, agent);
        assertThat(grpcStatus(response)).isEqualTo(String.valueOf(Status.Code.INVALID_ARGUMENT.value()));
        JsonNode record = fixture.awaitRecordsContaining(Topics.RAW_DLQ, agent, 1).get(0);
        assertThat(record.get("failure_type").asText()).isEqualTo("payload_format");
        assertThat(Base64.getDecoder().decode(record.get("payload").asText())).isEqualTo(message);
    }

    @Test
    void anOversizedMessageIsRefusedWithResourceExhaustedAndASizeRecord() {
        ObjectNode big = validEvent();
        // Over the 8 MiB the gRPC layer itself refuses without a trace, and over this collector's limit.
        big.with("data").put("blob", "x".repeat(9 * 1024 * 1024));
        String agent = "big-grpc-" + java.util.UUID.randomUUID();
        var stub = GrpcClients.builder("gproto+http://127.0.0.1:" + collector.port() + "/")
                .addHeader("x-write-key", CollectorFixture.KEY).addHeader("user-agent", agent)
                .maxRequestMessageLength(64 * 1024 * 1024)
                .build(CollectorServiceGrpc.CollectorServiceBlockingStub.class);
        assertThatThrownBy(() -> stub.send(EventBatch.newBuilder().addEvents(ProtoJson.fromJson(big)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        JsonNode record = fixture.awaitRecordsContaining(Topics.RAW_DLQ, agent, 1).get(0);
        assertThat(record.get("failure_type").asText()).isEqualTo("size");
        assertThat(record.get("payload_truncated").asBoolean()).isTrue();
    }

    @Test
    void anInvalidEventOfABatchIsRecordedWithItsBytesAsSentNotReEncoded() throws Exception {
        ObjectNode bad = validEvent();
        bad.put("event_id", "not-a-uuid-" + java.util.UUID.randomUUID());
        byte[] event = fieldsInReverseOrder(ProtoJson.fromJson(bad));
        assertThat(event).isNotEqualTo(Event.parseFrom(event).toByteArray());
        java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(batch);
        out.writeByteArray(EventBatch.EVENTS_FIELD_NUMBER, event);
        out.flush();

        // Written by hand: a gRPC client would re-encode the batch before sending it.
        byte[] message = batch.toByteArray();
        byte[] frame = new byte[5 + message.length];
        java.nio.ByteBuffer.wrap(frame, 1, 4).putInt(message.length);
        System.arraycopy(message, 0, frame, 5, message.length);
        AggregatedHttpResponse response = rawGrpcCall(frame, "grpc-order-" + java.util.UUID.randomUUID());
        assertThat(grpcStatus(response)).isEqualTo("0");
        SendResponse answer = SendResponse.parseFrom(java.util.Arrays.copyOfRange(response.content().array(), 5,
                response.content().length()));
        assertThat(answer.getRejectedCount()).isEqualTo(1);
        JsonNode record = fixture.awaitRecordsContaining(Topics.RAW_DLQ, bad.get("event_id").asText(), 1).get(0);
        assertThat(Base64.getDecoder().decode(record.get("payload").asText())).isEqualTo(event);
    }

    /** The event's fields written last to first: valid protobuf, but not what re-encoding produces. */
    private static byte[] fieldsInReverseOrder(Event event) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeMessage(7, event.getData());
        if (!event.getAnonymousId().isEmpty()) {
            out.writeString(6, event.getAnonymousId());
        }
        out.writeString(4, event.getSource());
        out.writeString(3, event.getEventTime());
        out.writeString(2, event.getSchema());
        out.writeString(1, event.getEventId());
        out.flush();
        return bytes.toByteArray();
    }

    /** A unary call written by hand, with a body no gRPC client would send. */
    private static AggregatedHttpResponse rawGrpcCall(byte[] body, String userAgent) {
        return WebClient.of("h2c://127.0.0.1:" + collector.port()).execute(
                RequestHeaders.builder(HttpMethod.POST, "/noexcuses.events.v1.CollectorService/Send")
                        .contentType(MediaType.parse("application/grpc+proto")).set("te", "trailers")
                        .set("x-write-key", CollectorFixture.KEY).set("user-agent", userAgent).build(), body)
                .aggregate().join();
    }

    private static String grpcStatus(AggregatedHttpResponse response) {
        String status = response.headers().get("grpc-status");
        return status != null ? status : response.trailers().get("grpc-status");
    }
}
