package dev.noexcuses.bench.collector;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.collector.intake.CollectorMetrics;
import dev.noexcuses.collector.intake.EventIntake;
import dev.noexcuses.collector.intake.IntakeResult;
import dev.noexcuses.collector.intake.RequestInfo;
import dev.noexcuses.collector.sink.EventSink;
import dev.noexcuses.common.intake.EventPayloads;
import dev.noexcuses.common.intake.IncomingEvent;
import dev.noexcuses.common.intake.TopLevelLimits;
import dev.noexcuses.common.intake.TopLevelValidator;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.proto.EventBatch;
import dev.noexcuses.common.proto.ProtoJson;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The collector's own work per event, without HTTP or Kafka: parse a body of 100 web-shop events
 * into events, check each one's top level, and build the records the sink would send (envelope
 * with metadata, serialised). The sink here takes the records and acknowledges at once.
 *
 * <p>Run: {@code ./bench/run jmh-collector}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms512m", "-Xmx512m"})
public class IntakePathBenchmark {
    private static final int EVENTS = 100;

    private byte[] jsonBatch;
    private byte[] protobufBatch;
    private TopLevelValidator validator;
    private EventIntake intake;
    private RequestInfo request;

    @Setup
    public void setUp() {
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 1000, 0, 0);
        ArrayNode array = Json.mapper().createArrayNode();
        EventBatch.Builder proto = EventBatch.newBuilder();
        for (int i = 0; i < EVENTS; i++) {
            ObjectNode event = simulator.next().event();
            array.add(event);
            proto.addEvents(ProtoJson.fromJson(event));
        }
        jsonBatch = Json.toBytes(array);
        protobufBatch = proto.build().toByteArray();
        validator = new TopLevelValidator(new TopLevelLimits(Duration.ofMinutes(5), Duration.ofDays(365), 256, 128, 256));
        intake = new EventIntake(validator, new AcknowledgingSink(), new CollectorMetrics(new SimpleMeterRegistry()),
                "bench", 4096);
        request = new RequestInfo("r-1", Instant.now(), "127.0.0.1", "bench", "rest", Set.of("web-shop"), "none");
    }

    /** Parsing alone (JSON array into trees, each event's bytes kept reachable). */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public List<IncomingEvent> parseJson() throws Exception {
        return EventPayloads.parseJson(jsonBatch);
    }

    /** Parsing and the top-level checks. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int parseAndCheck() throws Exception {
        int errors = 0;
        Instant now = Instant.now();
        for (IncomingEvent e : EventPayloads.parseJson(jsonBatch)) {
            errors += validator.validate(e.json(), request.allowedSources(), now).size();
        }
        return errors;
    }

    /** The whole per-event path of a JSON request: parse, check, envelope, serialise, hand to the sink. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public IntakeResult wholePathJson() throws Exception {
        return intake.accept(EventPayloads.parseJson(jsonBatch), request).join();
    }

    /** The same for a protobuf EventBatch (REST or gRPC). */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public IntakeResult wholePathProtobuf() throws Exception {
        return intake.accept(EventPayloads.parseProtobufBatch(protobufBatch), request).join();
    }

    /** Takes records and acknowledges them at once: the collector's work without Kafka's. */
    private static final class AcknowledgingSink implements EventSink {
        @Override
        public CompletableFuture<Void> writeAll(List<ProducerRecord<String, byte[]>> records) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void close() {}
    }
}
