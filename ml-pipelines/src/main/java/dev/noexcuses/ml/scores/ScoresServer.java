package dev.noexcuses.ml.scores;

import com.typesafe.config.Config;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.features.online.RedisHealth;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The scores API ({@code ml-pipelines.scores.*}): {@link ScoresApi} over the Redis of {@code redis.*}, with
 * {@code /healthz}, {@code /readyz} (Redis answers), {@code /metrics} (reads by outcome, and the freshness of the
 * loaded run: {@code churn_scores_age_seconds}, {@code churn_scores_users}) and {@code /status} (the loaded run).
 * Jedis and Armeria only, no Spark. Loopback by default; on another address it needs a token.
 */
public final class ScoresServer implements AutoCloseable {
    private final ScoreReader reader;
    private final AdminServer http;
    private final String host;

    private ScoresServer(ScoreReader reader, AdminServer http, String host) {
        this.reader = reader;
        this.http = http;
        this.host = host;
    }

    public static ScoresServer start(Config config) {
        Config c = config.getConfig("ml-pipelines.scores");
        String host = c.getString("host");
        String token = c.getString("token");
        Secrets.refuseNoTokenOffLoopback("scores-api", host, "ml-pipelines.scores.token", token,
                "read every user's scores");
        RedisAccess redis = RedisAccess.from(config);
        ScoreReader reader = new ScoreReader(redis, config.getString("ml-pipelines.model"), Clock.systemUTC());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Freshness freshness = new Freshness(reader);
        Gauge.builder("churn_scores_age_seconds", freshness, f -> f.get().map(m -> (System.currentTimeMillis()
                        - Double.parseDouble(m.getOrDefault("scored_at", "0"))) / 1000.0).orElse(Double.NaN))
                .description("Age of the loaded scoring run (since it scored)").register(meters);
        Gauge.builder("churn_scores_users", freshness, f -> f.get().map(m -> Double.parseDouble(m.getOrDefault("users", "0")))
                .orElse(Double.NaN)).description("Users with a score in the loaded run").register(meters);
        RedisHealth probe = new RedisHealth(redis);
        try {
            AdminServer http = AdminServer.start(new AdminServer.Access(host, c.getInt("port"), token), () -> true,
                    probe::ready, () -> status(freshness), meters, sb -> sb.annotatedService(new ScoresApi(reader, meters)));
            return new ScoresServer(reader, http, host);
        } catch (RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    private static String status(Freshness freshness) {
        var out = dev.noexcuses.common.json.Json.mapper().createObjectNode();
        freshness.get().ifPresentOrElse(m -> m.forEach(out::put), () -> out.put("run", (String) null));
        return out.toString();
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
        reader.close();
    }

    /** The loaded run's meta, read at most every 5 seconds (scrapes and status calls come often). */
    static final class Freshness {
        private final ScoreReader reader;
        private volatile long readAt;
        private volatile Optional<Map<String, String>> meta = Optional.empty();

        Freshness(ScoreReader reader) {
            this.reader = reader;
        }

        Optional<Map<String, String>> get() {
            long now = System.nanoTime();
            if (readAt == 0 || now - readAt > Duration.ofSeconds(5).toNanos()) {
                try {
                    meta = reader.currentRun();
                } catch (RuntimeException e) {
                    meta = Optional.empty();
                }
                readAt = now;
            }
            return meta;
        }
    }
}
