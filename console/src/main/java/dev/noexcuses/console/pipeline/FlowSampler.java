package dev.noexcuses.console.pipeline;

import com.typesafe.config.Config;
import dev.noexcuses.common.event.Topics;
import dev.noexcuses.common.kafka.KafkaClients;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the pipeline's flow every {@code interval} through Kafka's admin API (topic end offsets,
 * consumer-group offsets) and the loader's metrics, and keeps the last hour of readings: rates,
 * lag and DLQ share are differences between consecutive readings.
 */
public final class FlowSampler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlowSampler.class);
    static final Duration HISTORY = Duration.ofHours(1);

    private final Admin admin;
    private final List<ConsumerGroup> groups;
    private final LatencyMetrics latency;
    private final Clock clock;
    private final Deque<FlowSample> samples = new ArrayDeque<>();
    private final ScheduledExecutorService timer;
    private volatile String lastError;

    public FlowSampler(Config config, List<ConsumerGroup> groups, String latencyMetricsUrl, String latencyMetricsToken,
                       Duration interval, Clock clock) {
        this.groups = List.copyOf(groups);
        this.latency = new LatencyMetrics(latencyMetricsUrl, latencyMetricsToken);
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-flow-sampler");
            t.setDaemon(true);
            return t;
        });
        if (config.getString("kafka.bootstrap-servers").isBlank()) {
            this.admin = null;
            this.lastError = "No Kafka configured: set kafka.bootstrap-servers (./platform up sets the embedded broker)";
            return;
        }
        Properties props = KafkaClients.base(config);
        props.put("client.id", "console-flow");
        props.put("request.timeout.ms", "10000");
        props.put("default.api.timeout.ms", "15000");
        this.admin = Admin.create(props);
        timer.scheduleWithFixedDelay(this::sampleQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The readings of the last hour, oldest first. */
    public synchronized List<FlowSample> samples() {
        return new ArrayList<>(samples);
    }

    /** Why the last reading failed, or null. */
    public String lastError() {
        return lastError;
    }

    /** Whether the Kafka cluster answers a metadata request within a few seconds. */
    public boolean kafkaReachable() {
        if (admin == null) {
            return false;
        }
        try {
            return !admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private void sampleQuietly() {
        try {
            FlowSample sample = sample();
            synchronized (this) {
                samples.addLast(sample);
                while (!samples.isEmpty() && samples.peekFirst().at().isBefore(sample.at().minus(HISTORY))) {
                    samples.removeFirst();
                }
            }
            lastError = null;
        } catch (Exception e) {
            lastError = "Cannot read Kafka offsets: " + e.getMessage();
            LOG.debug("Flow sample failed", e);
        }
    }

    FlowSample sample() throws Exception {
        Instant at = clock.instant();
        Map<String, TopicDescription> topics = admin.describeTopics(Topics.ALL).allTopicNames().get(15, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        topics.values().forEach(d -> d.partitions().forEach(p ->
                latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(15, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        Map<String, Long> topicEnds = new HashMap<>();
        ends.forEach((tp, end) -> topicEnds.merge(tp.topic(), end, Long::sum));

        Map<String, Long> lag = new HashMap<>();
        Map<String, Long> committedSums = new HashMap<>();
        for (ConsumerGroup group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.group())
                    .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
            long behind = 0;
            long done = 0;
            boolean any = false;
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                if (!group.topics().contains(end.getKey().topic())) {
                    continue;
                }
                OffsetAndMetadata offset = committed.get(end.getKey());
                any |= offset != null;
                done += offset == null ? 0 : offset.offset();
                // A partition the group never committed is behind by all it holds (from offset 0).
                behind += Math.max(0, end.getValue() - (offset == null ? 0 : offset.offset()));
            }
            if (any) {
                lag.put(group.stage(), behind);
                committedSums.put(group.stage(), done);
            }
        }
        return new FlowSample(at, topicEnds, lag, committedSums, latency.read());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
