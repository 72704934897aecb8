package dev.noexcuses.registry.models;

import dev.noexcuses.registry.tracking.Run;
import java.util.List;
import java.util.Map;

/**
 * A version of a model: where its artifact is ({@code source}), its signature, metrics, validation gates,
 * the aliases that point at it now, and its lineage: the run that made it (code, parameters) with the
 * datasets and snapshots that run read ({@code run} is null for a version registered without a run).
 */
public record ModelVersion(String model, int version, String runId, String source, List<Feature> signature,
                           Map<String, Double> metrics, String description, String status, String createdBy,
                           long creationTime, Map<String, String> tags, List<Gate> gates, List<String> aliases, Run run) {
    public ModelVersion {
        signature = List.copyOf(signature);
        metrics = Map.copyOf(metrics);
        tags = Map.copyOf(tags);
        gates = List.copyOf(gates);
        aliases = List.copyOf(aliases);
    }

    /** Whether every gate passed and there is at least one: what a protected alias asks of a version. */
    public boolean gatesPassed() {
        return !gates.isEmpty() && gates.stream().allMatch(Gate::passed);
    }
}
