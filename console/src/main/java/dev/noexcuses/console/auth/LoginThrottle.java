package dev.noexcuses.console.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing: after {@value #MAX_FAILURES} failed logins of one user name within
 * the window, further attempts for that name are refused until the window has passed.
 */
final class LoginThrottle {
    static final int MAX_FAILURES = 5;
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private record Failures(int count, Instant first) {}

    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final Clock clock;

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    boolean blocked(String user) {
        Failures f = failures.get(user);
        if (f == null) {
            return false;
        }
        if (f.first().plus(WINDOW).isBefore(clock.instant())) {
            failures.remove(user, f);
            return false;
        }
        return f.count() >= MAX_FAILURES;
    }

    void failed(String user) {
        Instant now = clock.instant();
        failures.merge(user, new Failures(1, now), (old, one) -> old.first().plus(WINDOW).isBefore(now)
                ? one : new Failures(old.count() + 1, old.first()));
    }

    void succeeded(String user) {
        failures.remove(user);
    }
}
