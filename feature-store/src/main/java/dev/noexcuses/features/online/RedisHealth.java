package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import java.time.Duration;

/**
 * Whether the platform's Redis answers a PING, asked at most once a second: readiness probes come often,
 * and a service that serves from Redis is ready only while it answers.
 */
public final class RedisHealth {
    private static final long RECHECK_NANOS = Duration.ofSeconds(1).toNanos();

    private final RedisAccess access;
    private boolean checked;
    private long checkedAt;
    private boolean ready;

    public RedisHealth(RedisAccess access) {
        this.access = requireNonNull(access, "access is null");
    }

    public synchronized boolean ready() {
        long now = System.nanoTime();
        if (!checked || now - checkedAt > RECHECK_NANOS) {
            try (var jedis = RedisConnections.connect(access)) {
                ready = "PONG".equals(jedis.ping());
            } catch (RuntimeException e) {
                ready = false;
            }
            checked = true;
            checkedAt = now;
        }
        return ready;
    }
}
