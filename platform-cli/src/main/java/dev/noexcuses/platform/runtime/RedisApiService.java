package dev.noexcuses.platform.runtime;

import com.typesafe.config.Config;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.online.FeatureServer;
import dev.noexcuses.ml.scores.ScoresServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A read API that serves from Redis (the online features, the churn scores), with its health and metrics on
 * the same port. Off when its block's {@code enabled} is false, or when there is no Redis.
 */
final class RedisApiService implements RunningService {
    /** A started server: where it listens, and how it stops. */
    record Server(int port, String url, Runnable stop) {}

    private final String name;
    private final String apiPath;
    private final Server server;
    private final String healthToken;
    private final String disabled;

    /**
     * @param block the settings block with {@code enabled}, {@code host}, {@code port} and {@code token}
     * @param apiPath the API's route, shown as its endpoint
     */
    private RedisApiService(String name, Config config, String block, String apiPath, Function<Config, Server> start) {
        this.name = name;
        this.apiPath = apiPath;
        this.healthToken = config.getString(block + ".token");
        this.disabled = !config.getBoolean(block + ".enabled") ? "disabled (" + block + ".enabled = false)"
                : config.getString("redis.url").isBlank() ? "disabled (no Redis: redis.url, local-infra.redis.enabled)" : null;
        this.server = disabled == null ? start.apply(config) : null;
    }

    /** The online feature API ({@code feature-store.online.*}). */
    static RedisApiService features(Config config) {
        return new RedisApiService("feature-store", config, "feature-store.online", "/v1/features/{user_key}", c -> {
            FeatureServer s = FeatureServer.start(c, FeatureRegistry.shipped());
            return new Server(s.port(), s.url(), s::close);
        });
    }

    /** The churn scores API ({@code ml-pipelines.scores.*}). */
    static RedisApiService scores(Config config) {
        return new RedisApiService("scores-api", config, "ml-pipelines.scores", "/v1/scores/churn/{user_key}", c -> {
            ScoresServer s = ScoresServer.start(c);
            return new Server(s.port(), s.url(), s::close);
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, String> endpoints() {
        if (server == null) {
            return Map.of("api", disabled);
        }
        Map<String, String> endpoints = new LinkedHashMap<>(AdminEndpoints.of(server.port()));
        endpoints.put("api", server.url() + apiPath);
        return endpoints;
    }

    @Override
    public String healthUrl() {
        return server == null ? null : AdminEndpoints.healthUrl(server.port());
    }

    @Override
    public String healthToken() {
        return healthToken;
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop().run();
        }
    }
}
