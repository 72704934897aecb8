package dev.noexcuses.producers.sdk;

import static java.util.Objects.requireNonNull;

/**
 * The person a server-side relay sends events for: their address and their browser's user agent.
 * The client sends them as a proxy would, in {@code X-Forwarded-For} and {@code User-Agent}, instead
 * of its own; the collector believes the address only from a proxy it trusts
 * ({@code collector.trusted-proxies}).
 */
public record EndUser(String address, String userAgent) {
    public EndUser {
        requireNonNull(address, "address is null");
        requireNonNull(userAgent, "userAgent is null");
    }
}
