package dev.noexcuses.serving.rollout;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.serving.instances.ModelServerInstance;
import java.time.Instant;
import java.util.List;

/**
 * What a model serves now: its stable version and the instances taking its traffic, and the version
 * before it while that is kept running for an instant rollback.
 */
public record DeployedModel(String model, String stableVersion, String stableModelFile,
                            List<ModelServerInstance> instances, String previousVersion, String previousModelFile,
                            List<ModelServerInstance> previousInstances, Instant previousKeptUntil) {
    public DeployedModel {
        requireNonNull(model, "model is null");
        requireNonNull(stableVersion, "stableVersion is null");
        requireNonNull(stableModelFile, "stableModelFile is null");
        instances = List.copyOf(instances);
        previousInstances = previousInstances == null ? List.of() : List.copyOf(previousInstances);
    }

    public DeployedModel withInstances(List<ModelServerInstance> newInstances) {
        return new DeployedModel(model, stableVersion, stableModelFile, newInstances, previousVersion, previousModelFile,
                previousInstances, previousKeptUntil);
    }

    /** {@code version} becomes stable on {@code newInstances}; this stable version becomes the previous one. */
    public DeployedModel promote(String version, String modelFile, List<ModelServerInstance> newInstances,
                                 List<ModelServerInstance> keptOld, Instant keptUntil) {
        return new DeployedModel(model, version, modelFile, newInstances, stableVersion, stableModelFile, keptOld,
                keptOld.isEmpty() ? null : keptUntil);
    }

    public DeployedModel withoutPrevious() {
        return new DeployedModel(model, stableVersion, stableModelFile, instances, previousVersion, previousModelFile,
                List.of(), null);
    }
}
