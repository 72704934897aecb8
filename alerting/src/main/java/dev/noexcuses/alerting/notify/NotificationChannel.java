package dev.noexcuses.alerting.notify;

/** Where notifications go: the log, a webhook. {@link #name()} is what the outbox records. */
public interface NotificationChannel {
    String name();

    /** Delivers one notification's JSON payload; throws when it could not be delivered. */
    void send(String notificationId, String payload) throws Exception;
}
