package dev.noexcuses.platform.runtime;

import java.util.Map;

/** A service the platform started in this process, as {@code status} and {@code down} see it. */
public interface RunningService extends AutoCloseable {
    String name();

    /** Where it listens, for the user: e.g. {@code url -> http://localhost:8080}. */
    Map<String, String> endpoints();

    /** An HTTP URL answering 200 while the service is alive, or null. */
    String healthUrl();

    /** The bearer token {@link #healthUrl()} asks for (the service's admin token), blank for none. */
    default String healthToken() {
        return "";
    }

    boolean isHealthy();

    @Override
    void close();
}
