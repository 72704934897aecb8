package dev.noexcuses.alerting;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.alerting.notify.WebhookChannel;
import dev.noexcuses.alerting.rule.AlertRule;
import dev.noexcuses.common.admin.AdminServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** The {@code alerting.*} settings, validated once at start. */
public record AlertingSettings(Duration interval, String enrichedIndices, String failedIndices, List<AlertRule> rules,
                               boolean logNotifications, List<WebhookChannel.Target> webhooks, int retries,
                               Duration initialBackoff, Duration maxBackoff, Duration requestTimeout,
                               Duration giveUpAfter, AdminServer.Access http) {
    public AlertingSettings {
        requireNonNull(interval, "interval is null");
        rules = List.copyOf(rules);
        webhooks = List.copyOf(webhooks);
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("Invalid alerting.interval: " + interval + ", expected a positive duration");
        }
    }

    public static AlertingSettings from(Config config) {
        Config a = config.getConfig("alerting");
        Config n = a.getConfig("notify");
        List<WebhookChannel.Target> webhooks = n.getConfigList("webhooks").stream()
                .map(w -> new WebhookChannel.Target(w.getString("name"), URI.create(w.getString("url")),
                        w.hasPath("secret") ? w.getString("secret") : ""))
                .toList();
        return new AlertingSettings(a.getDuration("interval"), a.getString("indices.enriched"),
                a.getString("indices.failed"), AlertRule.fromConfig(a), n.getBoolean("log"), webhooks,
                n.getInt("retries"), n.getDuration("initial-backoff"), n.getDuration("max-backoff"),
                n.getDuration("request-timeout"), n.getDuration("give-up-after"), AdminServer.Access.from(a.getConfig("http")));
    }
}
