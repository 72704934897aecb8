package dev.noexcuses.registry.tracking;

import java.util.List;
import java.util.Map;

/**
 * A run as stored: what it is, where its artifacts are, the code it ran (git commit, code version), its
 * parameters and tags, the latest value of each metric, and the datasets it read.
 */
public record Run(String runId, long experimentId, String name, String user, String status, long startTime,
                  Long endTime, String artifactUri, String gitCommit, String codeVersion, String lifecycleStage,
                  Map<String, String> params, Map<String, String> tags, List<Metric> metrics, List<Dataset> datasets) {
    public Run {
        params = Map.copyOf(params);
        tags = Map.copyOf(tags);
        metrics = List.copyOf(metrics);
        datasets = List.copyOf(datasets);
    }
}
