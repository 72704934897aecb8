package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Trino that cannot run on this machine (no JDK 24+): the platform goes on without SQL
 * and says what is missing and how to fix it, at start and in {@code status}.
 */
public final class MissingTrino implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(MissingTrino.class);

    private final String missing;
    private final String fix;

    MissingTrino(String missing, String fix) {
        this.missing = requireNonNull(missing, "missing is null");
        this.fix = requireNonNull(fix, "fix is null");
    }

    @Override
    public String name() {
        return "trino";
    }

    @Override
    public void start() {
        LOG.warn("Trino not started: {}. {}", missing, fix);
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return false;
    }

    @Override
    public boolean embedded() {
        return true;
    }

    public String missing() {
        return missing;
    }

    public String fix() {
        return fix;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("missing", missing);
        details.put("fix", fix);
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of();
    }
}
