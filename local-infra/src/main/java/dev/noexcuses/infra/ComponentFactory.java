package dev.noexcuses.infra;

import com.typesafe.config.Config;
import java.nio.file.Path;

/**
 * Makes one kind of infrastructure component: the embedded server, or a client of the external one
 * when the configuration names it. Registered in {@link LocalInfra#FACTORIES}.
 */
public interface ComponentFactory {
    /** The component's name, e.g. {@code kafka}, {@code opensearch}, {@code postgres}, {@code s3}. */
    String name();

    /**
     * @param dataDir the platform's data directory; an embedded server keeps its files in a folder of it
     * @param ports the ports to listen on
     */
    InfraComponent create(Config config, Path dataDir, Ports ports);
}
