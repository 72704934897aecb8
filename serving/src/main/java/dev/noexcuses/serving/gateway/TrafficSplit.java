package dev.noexcuses.serving.gateway;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.serving.instances.ModelServerInstance;
import java.util.List;
import java.util.Optional;

/**
 * Where one model's requests go now: the stable instances, the candidate's with its share of traffic
 * (percent), and optionally a shadow that receives copies. Immutable: the controller swaps in a new
 * split and each request reads one, so a request never sees half a change.
 */
public record TrafficSplit(String model, List<ModelServerInstance> stable, List<ModelServerInstance> candidate,
                           int candidatePercent, Optional<Mirror> shadow) {
    public TrafficSplit {
        requireNonNull(model, "model is null");
        stable = List.copyOf(stable);
        candidate = List.copyOf(candidate);
        requireNonNull(shadow, "shadow is null");
        if (candidatePercent < 0 || candidatePercent > 100) {
            throw new IllegalArgumentException("Invalid candidate share " + candidatePercent + "%: expected 0 to 100");
        }
    }

    /** Copies of a share of requests to {@code instances}, at most {@code queue} in flight. */
    public record Mirror(List<ModelServerInstance> instances, double share, int queue, String version) {
        public Mirror {
            instances = List.copyOf(instances);
        }
    }

    public static TrafficSplit stableOnly(String model, List<ModelServerInstance> stable) {
        return new TrafficSplit(model, stable, List.of(), 0, Optional.empty());
    }

    public TrafficSplit withStable(List<ModelServerInstance> newStable) {
        return new TrafficSplit(model, newStable, candidate, candidatePercent, shadow);
    }

    public TrafficSplit withCandidate(List<ModelServerInstance> instances, int percent) {
        return new TrafficSplit(model, stable, instances, percent, shadow);
    }

    public TrafficSplit withShadow(Optional<Mirror> mirror) {
        return new TrafficSplit(model, stable, candidate, candidatePercent, mirror);
    }

    /** The stable instance's version(s), for status: one version except in the middle of a rolling update. */
    public List<String> stableVersions() {
        return stable.stream().map(ModelServerInstance::version).distinct().toList();
    }
}
