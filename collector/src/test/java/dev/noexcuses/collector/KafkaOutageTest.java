package dev.noexcuses.collector;

import static dev.noexcuses.collector.CollectorFixture.validEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.kafka.EmbeddedKafka;
import dev.noexcuses.infra.kafka.TopicReader;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Kafka stopped under load: the collector answers 503 quickly, and the SDK's retries deliver everything. */
class KafkaOutageTest {

    @Test
    void theCollectorAnswers503WhileKafkaIsDownAndTheSdkDeliversEveryEventAfterItReturns() throws Exception {
        Config base = PlatformConfig.defaults(Map.of("collector.port", "0", "collector.admin.port", "0",
                "collector.kafka-timeout", "2s"));
        try (LocalInfra infra = LocalInfra.forTests(base).start()) {
            Config config = infra.serviceConfig(base);
            EmbeddedKafka kafka = infra.embeddedKafka().orElseThrow();
            try (CollectorServer collector = CollectorServer.start(config)) {
                CollectorFixture fixture = new CollectorFixture(config, collector);
                List<String> ids = new ArrayList<>();
                List<CompletableFuture<Delivery>> deliveries = new ArrayList<>();
                try (EventClient client = EventClient.builder(URI.create("http://127.0.0.1:" + collector.port()))
                        .writeKey(CollectorFixture.KEY).batchSize(20).linger(Duration.ofMillis(20))
                        .maxBackoff(Duration.ofSeconds(1)).deliveryTimeout(Duration.ofMinutes(2)).build()) {
                    for (int i = 0; i < 300; i++) {
                        var e = validEvent();
                        ids.add(e.get("event_id").asText());
                        deliveries.add(client.send(e));
                        if (i == 100) {
                            client.flush();
                            kafka.stop();
                            long t0 = System.nanoTime();
                            AggregatedHttpResponse during = fixture.postJson(validEvent());
                            long answeredMs = (System.nanoTime() - t0) / 1_000_000;
                            assertThat(during.status().code()).isEqualTo(503);
                            assertThat(during.headers().get("retry-after")).isNotNull();
                            // Bounded: the configured Kafka timeout plus slack, never a hang.
                            assertThat(answeredMs).isLessThan(30_000);
                            assertThat(fixture.admin("/readyz").status().code()).isEqualTo(503);
                        }
                        if (i == 200) {
                            kafka.start();
                        }
                    }
                    client.flush();
                    assertThat(client.stats().retries()).isPositive();
                    assertThat(client.stats().failed()).isZero();
                }
                assertThat(deliveries).allSatisfy(d -> assertThat(d.join().outcome()).isEqualTo(Delivery.Outcome.ACCEPTED));

                Map<String, Integer> copies = new HashMap<>();
                TopicReader.awaitMatching(config, Topics.RAW, r -> true, ids.size(), Duration.ofSeconds(30))
                        .forEach(r -> copies.merge(Json.fromBytes(r.value(), JsonNode.class).get("event_id").asText(),
                                1, Integer::sum));
                assertThat(copies.keySet()).containsAll(ids);
            }
        }
    }
}
