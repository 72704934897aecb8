package dev.noexcuses.loader.realtime;

import static dev.noexcuses.loader.realtime.LoaderTestSupport.enrichedEvent;
import static dev.noexcuses.loader.realtime.LoaderTestSupport.failedEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.failure.FailureType;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.opensearch.EmbeddedOpenSearch;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;

class LoaderResilienceTest {
    private static final Duration LOADED = Duration.ofSeconds(90);

    @Test
    void aRestartOfTheLoaderMidStreamLeavesNoDocumentMissingOrDuplicated() throws Exception {
        try (var t = new LoaderTestSupport(Map.of("realtime-loader.bulk.max-documents", "100"))) {
            produceEvents(t, 2000);
            RealtimeLoader first = t.startLoader();
            await().atMost(LOADED).until(() -> first.metrics().indexedCount(IndexDocument.Kind.ENRICHED) >= 300);
            first.close();
            // More records arrive while no loader runs.
            produceEvents(t, 2000);

            try (RealtimeLoader second = t.startLoader()) {
                String all = t.enrichedPrefix + "*";
                await().atMost(LOADED).until(() -> t.count(all) >= 4000
                        && committedOffsets(t, t.enrichedTopic, t.name + "-loader") == 4000);
                assertThat(t.count(all)).isEqualTo(4000);
                assertThat(second.metrics().indexedCount(IndexDocument.Kind.ENRICHED)).isGreaterThanOrEqualTo(2000);
            }
        }
    }

    @Test
    void whileOpenSearchIsDownTheLoaderWaitsCommitsNothingAndCatchesUpWithNothingLost() throws Exception {
        // Its own OpenSearch: stopping the shared one would fail whichever test of this JVM runs meanwhile.
        Config base = PlatformConfig.defaults(Map.of());
        try (LocalInfra infra = LocalInfra.forTests(base).start("opensearch");
             var t = new LoaderTestSupport(Map.of(), infra.serviceConfig(base));
             RealtimeLoader loader = t.startLoader()) {
            EmbeddedOpenSearch node = (EmbeddedOpenSearch) infra.component("opensearch").orElseThrow();
            String enriched = t.enrichedPrefix + "*";
            String failed = t.failedPrefix + "*";
            String group = t.name + "-loader";
            produceEvents(t, 200);
            await().atMost(LOADED).until(() -> t.count(enriched) == 200 && committedOffsets(t, t.enrichedTopic, group) == 200);

            node.stop();
            try {
                produceEvents(t, 300);
                for (int i = 0; i < 10; i++) {
                    t.send(t.enrichedDlq, "k", Json.toBytes(failedEvent(FailureType.SCHEMA_VIOLATION, "enricher")));
                }
                await().atMost(LOADED).until(() -> !loader.isReady());
                assertThat(loader.isHealthy()).isTrue();
                // Nothing is acknowledged, so nothing is committed: a crash now would lose nothing.
                assertThat(committedOffsets(t, t.enrichedTopic, group)).isEqualTo(200);
            } finally {
                node.start();
            }

            await().atMost(LOADED).until(() -> t.count(enriched) == 500 && t.count(failed) == 10);
            await().atMost(LOADED).until(loader::isReady);
            await().atMost(LOADED).until(() -> committedOffsets(t, t.enrichedTopic, group) == 500);
            assertThat(loader.metrics().indexedCount(IndexDocument.Kind.ENRICHED)).isEqualTo(500);
        }
    }

    private static void produceEvents(LoaderTestSupport t, int count) {
        for (int i = 0; i < count; i++) {
            EventEnvelope event = enrichedEvent("user-" + (i % 50), Instant.now());
            t.sendAsync(t.enrichedTopic, event.partitionKey(), Json.toBytes(event));
        }
        t.flush();
    }

    /** The sum of the group's committed offsets over the topic's partitions. */
    private static long committedOffsets(LoaderTestSupport t, String topic, String group) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.base(t.config))) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .mapToLong(e -> e.getValue().offset()).sum();
        }
    }
}
