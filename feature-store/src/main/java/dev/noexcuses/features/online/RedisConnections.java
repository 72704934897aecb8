package dev.noexcuses.features.online;

import dev.noexcuses.common.redis.RedisAccess;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPooled;

/** Jedis connections to the platform's Redis ({@code redis.*}): password, user, database and TLS as configured. */
public final class RedisConnections {
    private RedisConnections() {}

    static JedisClientConfig config(RedisAccess access) {
        return config(access, 10_000);
    }

    static JedisClientConfig config(RedisAccess access, int timeoutMillis) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .database(access.database())
                .timeoutMillis(timeoutMillis);
        if (!access.password().isEmpty()) {
            b.password(access.password());
        }
        if (!access.username().isBlank()) {
            b.user(access.username());
        }
        if (access.tls()) {
            b.ssl(true).sslSocketFactory(access.sslSocketFactory());
        }
        return b.build();
    }

    /** One connection, for a writer that pipelines. */
    public static Jedis connect(RedisAccess access) {
        return new Jedis(new HostAndPort(access.host(), access.port()), config(access));
    }

    /** A pool, for readers on many threads. */
    public static JedisPooled pool(RedisAccess access) {
        return new JedisPooled(new HostAndPort(access.host(), access.port()), config(access));
    }

    /** A pool whose connects and reads give up after {@code timeout} (readers that must answer quickly or not at all). */
    public static JedisPooled pool(RedisAccess access, java.time.Duration timeout) {
        return new JedisPooled(new HostAndPort(access.host(), access.port()), config(access, Math.toIntExact(timeout.toMillis())));
    }
}
