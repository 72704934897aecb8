package dev.noexcuses.serving.instances;

import static java.util.Objects.requireNonNull;

/**
 * A running model server the gateway can send traffic to: which model version it serves, where, and
 * its process id when this platform started it (-1 for an external endpoint).
 */
public record ModelServerInstance(String model, String version, String modelFile, String url, long pid) {
    public ModelServerInstance {
        requireNonNull(model, "model is null");
        requireNonNull(version, "version is null");
        requireNonNull(modelFile, "modelFile is null");
        requireNonNull(url, "url is null");
    }

    public boolean processAlive() {
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
