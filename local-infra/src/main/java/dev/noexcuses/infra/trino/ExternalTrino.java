package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.infra.InfraComponent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Trino cluster run elsewhere ({@code trino.url}): only checked and used, nothing is started. */
public final class ExternalTrino implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ExternalTrino.class);

    private final TrinoAccess access;
    private final TrinoProbe probe;
    private volatile String version = "unknown";

    public ExternalTrino(TrinoAccess access) {
        this.access = requireNonNull(access, "access is null");
        this.probe = new TrinoProbe(access);
    }

    @Override
    public String name() {
        return "trino";
    }

    @Override
    public void start() {
        JsonNode info = probe.info(Duration.ofSeconds(10)).orElseThrow(() -> new IllegalStateException(
                "Configured Trino at " + access.url() + " does not answer GET /v1/info (trino.url)"));
        version = "trino " + info.path("nodeVersion").path("version").asText("?");
        LOG.info("Using the configured Trino at {} ({})", access, version);
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return probe.ready(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", access.url());
        details.put("jdbc_url", access.jdbcUrl());
        details.put("user", access.user());
        details.put("catalog", access.catalog());
        details.put("version", version);
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return access.serviceConfig();
    }
}
