package dev.noexcuses.infra;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Where embedded servers listen: the configured ports for the platform, free ports for tests. */
public interface Ports {
    /** The port for a config key such as {@code local-infra.kafka.port}. */
    int port(String configKey);

    static Ports fixed(Config config) {
        return config::getInt;
    }

    static Ports free() {
        return key -> freePort();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }
}
