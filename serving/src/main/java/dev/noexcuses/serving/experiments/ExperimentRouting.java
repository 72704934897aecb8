package dev.noexcuses.serving.experiments;

import dev.noexcuses.serving.gateway.TrafficSplit;
import dev.noexcuses.serving.instances.ModelServerInstance;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's routing hook for experiments: for a request of a model under experiment that names
 * its user ({@code x-user-id}, else {@code x-anonymous-id}: the platform's user key, as in the
 * lake), the arm comes from the user's sticky bucket instead of a random draw, the answer names the
 * experiment and arm, and the exposure goes to the collector with the ids as given, so the lake keys
 * it like the user's other events. Requests without either id, and models without a running
 * experiment, are routed as before.
 */
public final class ExperimentRouting {
    public static final String USER_ID_HEADER = "x-user-id";
    public static final String ANONYMOUS_ID_HEADER = "x-anonymous-id";
    /** The user key alone, as predictions by user key name it (docs/serving.md): sent on as the exposure's user_id. */
    public static final String USER_KEY_HEADER = "x-user-key";
    public static final String EXPERIMENT_HEADER = "x-experiment";
    public static final String ARM_HEADER = "x-experiment-arm";

    /** A running experiment as the router needs it. */
    record Active(String name, String model, String salt, int treatmentShare, String controlVersion,
                  String treatmentVersion) {}

    /** One request's arm, and who: {@code userId} or {@code anonymousId} (null when not given). */
    public record Assignment(String experiment, String model, String arm, boolean toCandidate, String userId,
                             String anonymousId) {}

    private final Map<String, Active> byModel = new ConcurrentHashMap<>();
    private final ExposureSender exposures;

    ExperimentRouting(ExposureSender exposures) {
        this.exposures = exposures;
    }

    /** Routing without experiments (no collector configured for exposures): every request as before. */
    public static ExperimentRouting none() {
        return new ExperimentRouting(null);
    }

    void activate(Active active) {
        byModel.put(active.model(), active);
    }

    void deactivate(String model, String experiment) {
        byModel.computeIfPresent(model, (m, a) -> a.name().equals(experiment) ? null : a);
    }

    /**
     * The arm of a request of {@code model} by the user {@code userId}, else {@code anonymousId},
     * else {@code userKey} (null or blank: not given), or null when the request is not part of an experiment: no
     * experiment runs on the model, or its treatment does not take traffic yet (its server is
     * starting), or the request names no user.
     */
    public Assignment assign(String model, TrafficSplit split, String userId, String anonymousId, String userKey) {
        Active active = byModel.get(model);
        String anonymous = blankToNull(anonymousId);
        String user = blankToNull(userId) != null || anonymous != null ? blankToNull(userId) : blankToNull(userKey);
        String key = user != null ? user : anonymous;
        if (active == null || key == null || split.stable().isEmpty()
                || split.candidate().isEmpty()) {
            return null;
        }
        ModelServerInstance candidate = split.candidate().get(0);
        if (!candidate.version().equals(active.treatmentVersion())) {
            return null;
        }
        boolean treatment = StickyAssignment.inTreatment(active.salt(), key, active.treatmentShare());
        return new Assignment(active.name(), model, treatment ? "treatment" : "control", treatment, user, anonymous);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Records that {@code assignment}'s user was answered by {@code version}. */
    public void exposed(Assignment assignment, String version, boolean ok, long latencyNanos) {
        if (exposures != null) {
            exposures.offer(new ExposureSender.Exposure(assignment.experiment(), assignment.arm(), assignment.model(),
                    version, assignment.userId(), assignment.anonymousId(), ok, latencyNanos / 1e6, Instant.now()));
        }
    }
}
