package dev.noexcuses.enricher.api;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.time.Duration;

/** How the enricher calls the enrichment API: {@code enricher.api.*}. */
public record ApiSettings(String url, Duration connectTimeout, Duration attemptTimeout, int maxAttempts,
                          Duration backoffInitial, Duration backoffMax, double failureRate, long minimumRequests,
                          Duration circuitOpenWindow, Duration trialInterval, Duration counterWindow,
                          boolean cacheEnabled, Duration cacheTtl, long cacheMaxSize, String caFile) {

    public ApiSettings {
        requireNonNull(url, "url is null");
        caFile = caFile == null ? "" : caFile;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("Invalid enricher.api.url '" + url + "': expected http(s)://host:port");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("Invalid enricher.api.max-attempts: " + maxAttempts + " (expected >= 1)");
        }
        if (failureRate <= 0 || failureRate > 1) {
            throw new IllegalArgumentException("Invalid enricher.api.circuit-breaker.failure-rate: " + failureRate
                    + " (expected 0 < rate <= 1)");
        }
    }

    public static ApiSettings from(Config config) {
        Config c = config.getConfig("enricher.api");
        return new ApiSettings(
                c.getString("url"),
                c.getDuration("connect-timeout"),
                c.getDuration("attempt-timeout"),
                c.getInt("max-attempts"),
                c.getDuration("backoff.initial"),
                c.getDuration("backoff.max"),
                c.getDouble("circuit-breaker.failure-rate"),
                c.getLong("circuit-breaker.minimum-requests"),
                c.getDuration("circuit-breaker.open-window"),
                c.getDuration("circuit-breaker.trial-interval"),
                c.getDuration("circuit-breaker.counter-window"),
                c.getBoolean("cache.enabled"),
                c.getDuration("cache.ttl"),
                c.getLong("cache.max-size"),
                c.getString("tls.ca-file"));
    }

    /** The longest one call may take, all attempts and backoffs included. */
    public Duration totalTimeout() {
        return attemptTimeout.multipliedBy(maxAttempts).plus(backoffMax.multipliedBy(maxAttempts - 1L));
    }
}
