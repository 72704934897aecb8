package dev.noexcuses.infra.kafka;

import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.kafka.KafkaClients;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates the platform's topics that do not exist yet, with partitions and replication from config. */
public final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {}

    /**
     * Waits until every partition of {@code topics} has a leader. Producing to a topic the broker
     * has not finished creating gets NOT_LEADER_OR_FOLLOWER, and an idempotent producer whose first
     * batch fails that way while later ones succeed can be left retrying out of sequence.
     */
    public static void awaitLeaders(Admin admin, java.util.Collection<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                boolean ready = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                        .allMatch(t -> t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // Not known to the broker yet: try again.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Topics " + topics + " have no leader after 30 s");
            }
            Thread.sleep(100);
        }
    }

    /** Creates the platform's topics ({@link Topics#ALL}) that do not exist yet; returns those created. */
    public static List<String> ensureTopics(Config config) throws Exception {
        return ensureTopics(config, Topics.ALL);
    }

    /**
     * Creates those of {@code topics} that do not exist yet, waits for their leaders and probes each
     * partition with a produce, so that the first records services send find a topic that takes them.
     */
    public static List<String> ensureTopics(Config config, Collection<String> topics) throws Exception {
        int partitions = config.getInt("kafka.topics.partitions");
        short replication = (short) config.getInt("kafka.topics.replication-factor");
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            // The dead-letter topics keep the original events, personal data included, for replay-dlq:
            // kept as long as kafka.topics.dlq-retention says, then deleted by the broker.
            String dlqRetentionMs = String.valueOf(config.getDuration("kafka.topics.dlq-retention").toMillis());
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : topics) {
                if (!existing.contains(topic)) {
                    NewTopic created = new NewTopic(topic, partitions, replication);
                    if (topic.equals(Topics.RAW_DLQ) || topic.equals(Topics.ENRICHED_DLQ)) {
                        created.configs(java.util.Map.of("retention.ms", dlqRetentionMs));
                    }
                    missing.add(created);
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                List<String> names = missing.stream().map(NewTopic::name).toList();
                awaitLeaders(admin, names);
                probe(config, names, partitions);
                LOG.info("Created topics {} ({} partitions, replication {})", names, partitions, replication);
            }
            return missing.stream().map(NewTopic::name).toList();
        }
    }

    /**
     * A produce to every partition of new topics, retried until each is acknowledged. A leader in the
     * metadata is not yet a broker that accepts writes: for a moment after creation it may still answer
     * NOT_LEADER_OR_FOLLOWER, and an idempotent producer whose first batch failed that way while later
     * ones succeeded is left retrying out of sequence for ever. The probe meets that moment instead of
     * the services. It writes in a transaction it aborts: every platform consumer reads committed
     * records only, so the probe leaves nothing to read (only two offsets per partition).
     */
    static void probe(Config config, Collection<String> topics, int partitions) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Properties props = KafkaClients.base(config);
            props.put("transactional.id", "noexcuses-topic-probe-" + UUID.randomUUID());
            props.put("acks", "all");
            props.put("delivery.timeout.ms", "20000");
            props.put("request.timeout.ms", "5000");
            props.put("max.block.ms", "20000");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                for (String topic : topics) {
                    for (int p = 0; p < partitions; p++) {
                        acks.add(producer.send(new ProducerRecord<>(topic, p, null, new byte[0])));
                    }
                }
                for (Future<RecordMetadata> ack : acks) {
                    ack.get(30, TimeUnit.SECONDS);
                }
                producer.abortTransaction();
                return;
            } catch (ExecutionException | KafkaException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("New topics " + topics + " do not take writes after 60 s: "
                            + e.getMessage(), e);
                }
                LOG.debug("Probe produce to new topics {} failed, retrying: {}", topics, e.toString());
                Thread.sleep(500);
            }
        }
    }
}
