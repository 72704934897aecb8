package dev.noexcuses.infra;

import java.util.Map;

/**
 * One piece of infrastructure: either a real server that {@code local-infra} starts, or an
 * external one it only connects to. Kafka is the first; PostgreSQL, Redis, OpenSearch, S3 and
 * Trino follow the same shape.
 */
public interface InfraComponent extends AutoCloseable {
    String name();

    /** Starts the server, or checks an external one is reachable. Blocks until it is usable. */
    void start() throws Exception;

    /** Stops the server (external ones are left alone). Safe to call twice. */
    void stop();

    /** Whether the component answers right now. */
    boolean isHealthy();

    /** Whether this component was started here (true) or is an external cluster (false). */
    boolean embedded();

    /** What a user needs to connect: bootstrap servers, URLs, credentials. */
    Map<String, String> connectionDetails();

    /** The configuration keys services need to use this component, e.g. kafka.bootstrap-servers. */
    Map<String, String> serviceConfig();

    /**
     * Stops a server of this component that a killed platform left running on its data directory (an
     * embedded server is a child process, and outlives a SIGKILL of its parent); true when there was one.
     */
    default boolean stopLeftover() throws Exception {
        return false;
    }

    @Override
    default void close() {
        stop();
    }
}
