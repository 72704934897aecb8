package dev.noexcuses.serving.gateway;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** The current split of every model, read by each request, changed by the rollout controller. */
public final class TrafficTable {
    private final Map<String, TrafficSplit> splits = new ConcurrentHashMap<>();
    private final Map<String, VersionStats> stats = new ConcurrentHashMap<>();
    private final Map<String, dev.noexcuses.serving.analysis.ShadowComparison> comparisons = new ConcurrentHashMap<>();

    public Optional<TrafficSplit> split(String model) {
        return Optional.ofNullable(splits.get(model));
    }

    public void put(TrafficSplit split) {
        splits.put(split.model(), split);
    }

    /** Applies {@code change} to the model's split atomically. */
    public TrafficSplit update(String model, UnaryOperator<TrafficSplit> change) {
        return splits.compute(model, (m, current) -> change.apply(current == null
                ? TrafficSplit.stableOnly(m, java.util.List.of()) : current));
    }

    public Map<String, TrafficSplit> all() {
        return Map.copyOf(splits);
    }

    /** The gateway's figures for {@code model} {@code version}. */
    public VersionStats stats(String model, String version) {
        return stats.computeIfAbsent(model + "@" + version, k -> new VersionStats());
    }

    /** A new comparison of {@code model}'s shadow answers with its primary's, replacing any earlier one. */
    public dev.noexcuses.serving.analysis.ShadowComparison startComparison(String model, double tolerance) {
        var comparison = new dev.noexcuses.serving.analysis.ShadowComparison(tolerance);
        comparisons.put(model, comparison);
        return comparison;
    }

    public Optional<dev.noexcuses.serving.analysis.ShadowComparison> comparison(String model) {
        return Optional.ofNullable(comparisons.get(model));
    }
}
