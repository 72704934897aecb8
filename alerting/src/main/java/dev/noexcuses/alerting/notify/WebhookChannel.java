package dev.noexcuses.alerting.notify;

import static java.util.Objects.requireNonNull;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs each notification as JSON to a URL, signed so the receiver can tell it came from here:
 * {@code X-Alert-Timestamp} (epoch seconds) and {@code X-Alert-Signature: sha256=<hex>}, the HMAC-SHA256
 * of {@code timestamp + "." + body} with the webhook's secret. {@code X-Alert-Notification-Id} is the same
 * on every try, so a receiver can drop a notification it already has. Failures (not 2xx, unreachable) are
 * tried again with the platform's retry policy.
 */
public final class WebhookChannel implements NotificationChannel {
    public static final String SIGNATURE_HEADER = "X-Alert-Signature";
    public static final String TIMESTAMP_HEADER = "X-Alert-Timestamp";
    public static final String ID_HEADER = "X-Alert-Notification-Id";

    /** One configured webhook. */
    public record Target(String name, URI url, String secret) {
        public Target {
            requireNonNull(name, "name is null");
            requireNonNull(url, "url is null");
            if (secret == null || secret.length() < 16) {
                throw new IllegalArgumentException("Invalid secret of alerting webhook '" + name
                        + "': expected at least 16 characters (receivers check the signature with it)");
            }
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException("Invalid url of alerting webhook '" + name + "': " + url
                        + ", expected http(s)://...");
            }
        }

        @Override
        public String toString() {
            return name + " (" + url + ")";
        }
    }

    private final Target target;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final RetryPolicy<Object> retry;
    private final Clock clock;

    public WebhookChannel(Target target, int retries, Duration initialBackoff, Duration maxBackoff, Duration requestTimeout,
                          Clock clock) {
        this.target = requireNonNull(target, "target is null");
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
        this.retry = Retries.exponentialBackoff(initialBackoff, maxBackoff).withMaxRetries(retries).build();
    }

    @Override
    public String name() {
        return "webhook:" + target.name();
    }

    @Override
    public void send(String notificationId, String payload) {
        Failsafe.with(retry).run(() -> post(notificationId, payload));
    }

    private void post(String notificationId, String payload) throws Exception {
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(target.url()).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header(ID_HEADER, notificationId)
                .header(TIMESTAMP_HEADER, timestamp)
                .header(SIGNATURE_HEADER, signature(target.secret(), timestamp, payload))
                .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException("Webhook " + target + " answered " + response.statusCode());
        }
    }

    /** {@code sha256=} and the hex HMAC-SHA256 of {@code timestamp.body}: what receivers recompute. */
    public static String signature(String secret, String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
