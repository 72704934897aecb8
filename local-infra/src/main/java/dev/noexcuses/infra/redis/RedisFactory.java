package dev.noexcuses.infra.redis;

import com.typesafe.config.Config;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;

/**
 * Redis, the online store: the configured server ({@code redis.url}), else a real embedded Redis server
 * (the binary Maven Central ships in {@code com.github.codemonstur:embedded-redis}) under the data directory.
 */
public final class RedisFactory implements ComponentFactory {
    @Override
    public String name() {
        return "redis";
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        if (!config.getString("redis.url").isBlank()) {
            return new ExternalRedis(RedisAccess.from(config));
        }
        Config c = config.getConfig("local-infra.redis");
        return new EmbeddedRedis(dataDir.resolve("redis"), c.getString("binary"), config.getString("local-infra.host"),
                ports.port("local-infra.redis.port"), config.getString("redis.password"),
                c.getMemorySize("max-memory").toBytes(), c.getDuration("start-timeout"));
    }
}
