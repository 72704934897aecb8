package dev.noexcuses.features.online;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.features.definition.FeatureRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;

/**
 * The online feature service ({@code feature-store.online.*}): {@link FeatureApi} over the Redis of
 * {@code redis.*}, with {@code /healthz}, {@code /readyz} (Redis answers) and {@code /metrics}. Listens on
 * loopback by default; on any other address it needs a token ({@code feature-store.online.token}, sent as
 * {@code Authorization: Bearer}).
 */
public final class FeatureServer implements AutoCloseable {
    private final OnlineStore store;
    private final AdminServer http;
    private final String host;

    private FeatureServer(OnlineStore store, AdminServer http, String host) {
        this.store = store;
        this.http = http;
        this.host = host;
    }

    public static FeatureServer start(Config config, FeatureRegistry registry) {
        requireNonNull(registry, "registry is null");
        Config c = config.getConfig("feature-store.online");
        String host = c.getString("host");
        String token = c.getString("token");
        Secrets.refuseNoTokenOffLoopback("feature-store", host, "feature-store.online.token", token,
                "read every user's features");
        RedisAccess redis = RedisAccess.from(config);
        OnlineStore store = new OnlineStore(redis, registry, Clock.systemUTC());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RedisHealth probe = new RedisHealth(redis);
        try {
            AdminServer http = AdminServer.start(new AdminServer.Access(host, c.getInt("port"), token), () -> true,
                    probe::ready, null, meters, sb -> sb.annotatedService(new FeatureApi(store)));
            return new FeatureServer(store, http, host);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    public int port() {
        return http.port();
    }

    public String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    @Override
    public void close() {
        http.close();
        store.close();
    }
}
