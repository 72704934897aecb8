package dev.noexcuses.infra;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes one kind of infrastructure component: the embedded server, or a client of the external one
 * when the configuration names it. Registered in {@link LocalInfra#FACTORIES}.
 */
public interface ComponentFactory {
    /** The component's name, e.g. {@code kafka}, {@code opensearch}, {@code postgres}, {@code s3}. */
    String name();

    /**
     * @param config the configuration with the connection keys of the components already started
     * @param dataDir the platform's data directory; an embedded server keeps its files in a folder of it
     * @param ports the ports to listen on
     */
    InfraComponent create(Config config, Path dataDir, Ports ports);

    /** The components this one uses, started before it (Trino reads the lake in PostgreSQL and S3). */
    default List<String> needs() {
        return List.of();
    }

    /**
     * Whether the component takes long to start (Trino: half a minute to minutes) and is therefore left out of
     * {@link LocalInfra#start()}: the platform starts it in the background, tests by name.
     */
    default boolean startsInBackground() {
        return false;
    }
}
