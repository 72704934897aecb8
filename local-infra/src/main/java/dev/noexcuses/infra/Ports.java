package dev.noexcuses.infra;

import com.typesafe.config.Config;

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

    /**
     * A port nothing listens on, for a server that binds it later. Taken below the kernel's range of
     * ephemeral ports, from which every outgoing connection gets its local port: a port from that range
     * (what binding port 0 gives) can be taken by a client connecting somewhere in the seconds between
     * this answer and the server's bind, which failed a test with "Address already in use". A port is not
     * handed out again in the same JVM until the range has gone round; each JVM starts at its own place in
     * the range, so parallel test JVMs rarely meet.
     */
    static int freePort() {
        return FreePortRange.next();
    }
}
