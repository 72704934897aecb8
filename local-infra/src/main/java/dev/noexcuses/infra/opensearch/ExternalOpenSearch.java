package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.infra.InfraComponent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An OpenSearch or Elasticsearch cluster run elsewhere ({@code opensearch.url}): only checked and used. */
public final class ExternalOpenSearch implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalOpenSearch.class);

    private final OpenSearchAccess access;
    private final OpenSearchProbe probe;
    private volatile String version = "unknown";

    public ExternalOpenSearch(OpenSearchAccess access) {
        this.access = requireNonNull(access, "access is null");
        this.probe = new OpenSearchProbe(access);
    }

    @Override
    public String name() {
        return "opensearch";
    }

    @Override
    public void start() {
        try {
            JsonNode info = probe.info(Duration.ofSeconds(10));
            version = info.path("version").path("distribution").asText("elasticsearch") + " "
                    + info.path("version").path("number").asText("?");
            LOG.info("Using the configured cluster at {} ({})", access, version);
        } catch (Exception e) {
            throw new IllegalStateException("Configured OpenSearch at " + access
                    + " is not reachable (opensearch.url): " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return probe.usable(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", access.url());
        details.put("version", version);
        if (!access.username().isBlank()) {
            details.put("username", access.username());
        }
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("opensearch.url", access.url());
    }
}
