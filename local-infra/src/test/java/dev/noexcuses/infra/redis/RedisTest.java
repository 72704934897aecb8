package dev.noexcuses.infra.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** Redis as local-infra runs it: the real server from Maven Central, on loopback, with a password, persistent. */
class RedisTest {
    @TempDir
    Path dataDir;

    private EmbeddedRedis embedded() {
        return (EmbeddedRedis) new RedisFactory().create(PlatformConfig.defaults(Map.of()), dataDir, Ports.free());
    }

    private static Jedis connect(RedisAccess access) {
        Jedis jedis = new Jedis(access.host(), access.port());
        jedis.auth(access.password());
        return jedis;
    }

    @Test
    void startsAPasswordProtectedServerOnLoopbackThatKeepsItsDataAcrossARestart() throws Exception {
        EmbeddedRedis redis = embedded();
        try {
            redis.start();
            RedisAccess access = redis.access();
            assertThat(access.url()).startsWith("redis://127.0.0.1:");
            assertThat(redis.isHealthy()).isTrue();
            Path passwordFile = dataDir.resolve("redis/password");
            assertThat(Files.readString(passwordFile).trim()).isEqualTo(access.password()).matches("[0-9a-f]{48}");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("redis/redis.conf"))))
                    .isEqualTo("rw-------");

            try (Jedis anonymous = new Jedis(access.host(), access.port())) {
                assertThatThrownBy(() -> anonymous.get("any")).isInstanceOf(JedisDataException.class)
                        .hasMessageContaining("NOAUTH");
            }
            try (Jedis jedis = connect(access)) {
                jedis.hset("user:u1", Map.of("sessions_7d", "3", "revenue_30d", "12.5"));
            }

            redis.stop();
            assertThat(redis.isHealthy()).isFalse();
            redis.start();
            assertThat(redis.access().password()).isEqualTo(access.password());
            try (Jedis jedis = connect(redis.access())) {
                assertThat(jedis.hgetAll("user:u1")).containsExactlyInAnyOrderEntriesOf(
                        Map.of("sessions_7d", "3", "revenue_30d", "12.5"));
            }
            assertThat(Files.readString(dataDir.resolve("redis/redis.conf"))).contains("appendonly yes");
            assertThat(Files.list(dataDir.resolve("redis/data")).map(p -> p.getFileName().toString()))
                    .anyMatch(name -> name.startsWith("appendonly"));
        } finally {
            redis.stop();
        }
    }

    @Test
    void stopsAServerAKilledPlatformLeftRunningOnItsDataDirectory() throws Exception {
        EmbeddedRedis first = embedded();
        try {
            first.start();
            ProcessHandle server = first.process().orElseThrow();
            // A platform killed with SIGKILL never stops its children: a new one on the same data directory finds it.
            EmbeddedRedis next = embedded();
            assertThat(next.stopLeftover()).isTrue();
            assertThat(server.onExit().get(java.util.concurrent.TimeUnit.SECONDS.toMillis(90),
                    java.util.concurrent.TimeUnit.MILLISECONDS).isAlive()).isFalse();
            assertThat(next.stopLeftover()).isFalse();
        } finally {
            first.stop();
        }
    }

    @Test
    void usesAConfiguredServerInsteadOfStartingOneAndRefusesAWrongPassword() throws Exception {
        EmbeddedRedis server = embedded();
        try {
            server.start();
            String url = server.access().url();
            InfraComponent external = new RedisFactory().create(PlatformConfig.defaults(Map.of("redis.url", url,
                    "redis.password", server.access().password())), dataDir.resolve("other"), Ports.free());
            external.start();
            assertThat(external.embedded()).isFalse();
            assertThat(external.isHealthy()).isTrue();
            assertThat(external.serviceConfig()).containsEntry("redis.url", url);
            assertThat(dataDir.resolve("other/redis")).doesNotExist();

            InfraComponent wrong = new RedisFactory().create(PlatformConfig.defaults(Map.of("redis.url", url,
                    "redis.password", "not-the-password")), dataDir.resolve("other"), Ports.free());
            assertThatThrownBy(wrong::start).hasMessageContaining("redis.url")
                    .hasMessageContaining("WRONGPASS").hasMessageNotContaining("not-the-password");
        } finally {
            server.stop();
        }
    }

    @Test
    void acceptsCredentialsInTheUrlButNeverShowsThem() {
        RedisAccess access = new RedisAccess("rediss://app:s3cret@cache.example.com:6380/2", "", "", "", false);
        assertThat(access.url()).isEqualTo("rediss://cache.example.com:6380/2");
        assertThat(access.username()).isEqualTo("app");
        assertThat(access.password()).isEqualTo("s3cret");
        assertThat(access.tls()).isTrue();
        assertThat(access.database()).isEqualTo(2);
        assertThatThrownBy(() -> new RedisAccess("http://x:s3cret@host:1", "", "", "", false))
                .hasMessageContaining("redis://host:port").hasMessageNotContaining("s3cret");
    }
}
