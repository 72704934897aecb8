package dev.noexcuses.console.pipeline;

import java.time.Instant;
import java.util.Map;

/**
 * One reading of the pipeline: each topic's end offset summed over its partitions (records ever
 * written), each stage's consumer lag (records it has not yet committed; absent when the group has
 * committed nothing), each stage's committed offsets summed (records it has processed), and the collector-to-searchable latency quantiles the realtime loader reported.
 */
record FlowSample(Instant at, Map<String, Long> topicEnds, Map<String, Long> lag, Map<String, Long> committed,
                  Map<String, Double> latencySeconds) {
    FlowSample {
        topicEnds = Map.copyOf(topicEnds);
        lag = Map.copyOf(lag);
        committed = Map.copyOf(committed);
        latencySeconds = Map.copyOf(latencySeconds);
    }
}
