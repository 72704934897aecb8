package dev.noexcuses.infra.opensearch;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;

/** OpenSearch: the configured cluster ({@code opensearch.url}), else a real embedded single-node server. */
public final class OpenSearchFactory implements ComponentFactory {
    @Override
    public String name() {
        return "opensearch";
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        if (!config.getString("opensearch.url").isBlank()) {
            return new ExternalOpenSearch(OpenSearchAccess.from(config));
        }
        Config c = config.getConfig("local-infra.opensearch");
        return new EmbeddedOpenSearch(OpenSearchDistribution.locate(c.getString("distribution")),
                dataDir.resolve("opensearch"), config.getString("local-infra.host"),
                ports.port("local-infra.opensearch.port"), ports.port("local-infra.opensearch.transport-port"),
                c.getMemorySize("heap").toBytes(), c.getDuration("start-timeout"), c.getString("account"));
    }
}
