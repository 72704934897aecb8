package dev.noexcuses.alerting.notify;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes each notification to the log (logger {@code dev.noexcuses.alerting.notify.LogChannel}), at WARN. */
public final class LogChannel implements NotificationChannel {
    private static final Logger LOG = LoggerFactory.getLogger(LogChannel.class);

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void send(String notificationId, String payload) {
        LOG.warn("Alert {}", payload);
    }
}
