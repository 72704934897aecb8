package dev.noexcuses.infra.redis;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.InfraComponent;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Redis or Valkey server run elsewhere ({@code redis.url}): only checked and used, never started. */
public final class ExternalRedis implements InfraComponent {
    private final RedisAccess access;

    public ExternalRedis(RedisAccess access) {
        this.access = requireNonNull(access, "access is null");
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void start() {
        try {
            new RedisProbe(access).ping(Duration.ofSeconds(10));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Configured Redis server at " + access.url()
                    + " is not usable (redis.url, redis.username, redis.password, redis.tls.*): " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {}

    @Override
    public boolean isHealthy() {
        return new RedisProbe(access).ready(Duration.ofSeconds(2));
    }

    @Override
    public boolean embedded() {
        return false;
    }

    @Override
    public Map<String, String> connectionDetails() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", access.url());
        details.put("username", access.username());
        details.put("password", access.password());
        if (access.tls()) {
            details.put("tls_ca_file", access.caFile());
            details.put("tls_insecure", String.valueOf(access.insecure()));
        }
        return details;
    }

    @Override
    public Map<String, String> serviceConfig() {
        return access.serviceConfig();
    }
}
