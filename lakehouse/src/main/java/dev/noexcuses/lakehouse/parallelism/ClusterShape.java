package dev.noexcuses.lakehouse.parallelism;

import java.util.List;

/**
 * Where the job runs: local mode (one executor in the job's JVM), a standalone cluster's alive
 * workers (their cores), or executors stated by the user. {@code source} says which, in words.
 */
public record ClusterShape(Kind kind, String source, List<Integer> workerCores, int executors, int executorCores) {
    public enum Kind { LOCAL, STANDALONE, STATED }

    public ClusterShape {
        workerCores = List.copyOf(workerCores);
        if (kind == Kind.STANDALONE && workerCores.isEmpty()) {
            throw new IllegalArgumentException("Invalid standalone cluster " + source + ": no alive worker");
        }
        if (kind != Kind.STANDALONE && (executors < 1 || executorCores < 1)) {
            throw new IllegalArgumentException("Invalid executors: " + executors + " x " + executorCores
                    + " cores; expected at least 1 x 1");
        }
    }

    public static ClusterShape local(int cores, String master) {
        return new ClusterShape(Kind.LOCAL, "local mode (" + master + "): one executor in the job JVM with "
                + cores + " core" + (cores == 1 ? "" : "s"), List.of(), 1, cores);
    }

    public static ClusterShape standalone(String master, List<Integer> workerCores) {
        return new ClusterShape(Kind.STANDALONE, "standalone cluster " + master + ": " + workerCores.size()
                + " alive worker(s) with " + workerCores + " cores", workerCores, 0, 0);
    }

    public static ClusterShape stated(int executors, int executorCores) {
        return new ClusterShape(Kind.STATED, "stated: " + executors + " executor(s) x " + executorCores + " cores",
                List.of(), executors, executorCores);
    }
}
