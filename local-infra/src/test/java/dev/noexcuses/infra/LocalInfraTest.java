package dev.noexcuses.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.kafka.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class LocalInfraTest {

    @Test
    void startsARealBrokerWithTheFourTopicsAndKeepsRecordsAcrossARestart() throws Exception {
        var config = PlatformConfig.defaults(Map.of("kafka.topics.partitions", "2"));
        try (LocalInfra infra = LocalInfra.forTests(config).start("kafka")) {
            var serviceConfig = infra.serviceConfig(config);
            try (Admin admin = Admin.create(KafkaClients.base(serviceConfig))) {
                var topics = admin.describeTopics(Topics.ALL).allTopicNames().get(10, TimeUnit.SECONDS);
                assertThat(topics).containsOnlyKeys(Topics.ALL);
                assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).hasSize(2));
            }
            try (var producer = new KafkaProducer<String, byte[]>(
                    KafkaClients.reliableProducer(serviceConfig, "test", 10_000))) {
                producer.send(new ProducerRecord<>(Topics.RAW, 0, "k", "kept".getBytes())).get();
            }

            EmbeddedKafka kafka = infra.embeddedKafka().orElseThrow();
            kafka.stop();
            assertThat(kafka.isHealthy()).isFalse();
            kafka.start();
            assertThat(kafka.isHealthy()).isTrue();

            try (var consumer = new KafkaConsumer<String, byte[]>(KafkaClients.consumer(serviceConfig, "t"))) {
                TopicPartition tp = new TopicPartition(Topics.RAW, 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<String> values = new java.util.ArrayList<>();
                long deadline = System.currentTimeMillis() + 15_000;
                while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        values.add(new String(r.value()));
                    }
                }
                assertThat(values).containsExactly("kept");
            }
        }
    }

    @Test
    void theServersAndDataOfATestJvmThatWasKilledAreCleanedUpAndALiveOnesAreLeftAlone() throws Exception {
        var config = PlatformConfig.defaults(Map.of());
        try (LocalInfra killed = LocalInfra.forTests(config).start("redis");
             LocalInfra alive = LocalInfra.forTests(config)) {
            Path killedDir = killed.dataDir();
            long redisPid = Long.parseLong(Files.readString(killedDir.resolve("redis/redis.pid")).trim());
            assertThat(ProcessHandle.of(redisPid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            // As if this JVM had been killed: the directory's owner is a process that has ended.
            Process ended = new ProcessBuilder("true").start();
            ended.waitFor();
            Files.writeString(killedDir.resolve("owner"), LocalInfra.owner(ended.toHandle()));

            List<Path> cleaned = LocalInfra.cleanUpAfterKilledTestJvms(config, killedDir.getParent());

            assertThat(cleaned).contains(killedDir).doesNotContain(alive.dataDir());
            assertThat(killedDir).doesNotExist();
            assertThat(alive.dataDir()).isDirectory();
            Awaitility.await("the killed JVM's Redis stopped").atMost(Duration.ofSeconds(30))
                    .until(() -> ProcessHandle.of(redisPid).map(p -> !p.isAlive()).orElse(true));
        }
    }

    @Test
    void usesAConfiguredExternalClusterInsteadOfStartingOne() {
        var shared = SharedLocalInfra.get();
        String bootstrap = shared.serviceOverrides().get("kafka.bootstrap-servers");
        var config = PlatformConfig.defaults(Map.of("kafka.bootstrap-servers", bootstrap));
        try (LocalInfra infra = LocalInfra.forTests(config).start("kafka")) {
            assertThat(infra.embeddedKafka()).isEmpty();
            assertThat(infra.components()).singleElement().satisfies(c -> {
                assertThat(c.embedded()).isFalse();
                assertThat(c.isHealthy()).isTrue();
            });
            assertThat(infra.serviceOverrides()).containsEntry("kafka.bootstrap-servers", bootstrap);
        }
    }
}
