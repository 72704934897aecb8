package dev.noexcuses.infra.kafka;

import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.kafka.KafkaClients;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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

    public static List<String> ensureTopics(Config config) throws Exception {
        int partitions = config.getInt("kafka.topics.partitions");
        short replication = (short) config.getInt("kafka.topics.replication-factor");
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String topic : Topics.ALL) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, partitions, replication));
                }
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
                LOG.info("Created topics {} ({} partitions, replication {})",
                        missing.stream().map(NewTopic::name).toList(), partitions, replication);
            }
            return missing.stream().map(NewTopic::name).toList();
        }
    }
}
