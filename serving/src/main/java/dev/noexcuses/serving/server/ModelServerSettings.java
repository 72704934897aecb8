package dev.noexcuses.serving.server;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What one model server serves and where: the model's name and version, its file, the address, and
 * how many predictions warm it up before it reports ready.
 *
 * @param portFile where to write the bound port once listening (for a launcher that asked for port 0)
 * @param parentPid a process whose end ends this server too (the gateway that started it), or -1
 */
public record ModelServerSettings(String model, String version, Path modelFile, String host, int port,
                                  int warmupPredictions, Optional<Path> portFile, long parentPid) {
    public ModelServerSettings {
        requireNonNull(model, "model is null");
        requireNonNull(version, "version is null");
        requireNonNull(modelFile, "modelFile is null");
        requireNonNull(host, "host is null");
        requireNonNull(portFile, "portFile is null");
        if (!model.matches("[A-Za-z0-9_.-]{1,100}")) {
            throw new IllegalArgumentException("Invalid model name '" + model + "': expected letters, digits, '.', '_' or '-'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Invalid port " + port + ": expected 0 (any free port) to 65535");
        }
        if (warmupPredictions < 0) {
            throw new IllegalArgumentException("Invalid warm-up count " + warmupPredictions + ": expected 0 or more");
        }
    }

    /** The {@code serving.model-server.*} defaults (address, warm-up) for {@code model}, {@code version} and {@code file}. */
    public static ModelServerSettings from(Config config, String model, String version, Path file) {
        Config server = config.getConfig("serving.model-server");
        return new ModelServerSettings(model, version, file, server.getString("host"), server.getInt("port"),
                server.getInt("warmup-predictions"), Optional.empty(), -1);
    }

    public ModelServerSettings withPort(int newPort) {
        return new ModelServerSettings(model, version, modelFile, host, newPort, warmupPredictions, portFile, parentPid);
    }
}
