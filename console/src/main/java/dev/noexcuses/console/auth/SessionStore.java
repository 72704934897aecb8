package dev.noexcuses.console.auth;

import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions in memory, keyed by a random 256-bit token that only the session cookie carries. A
 * session ends after {@code idleTimeout} without requests, or on logout; a restart logs everyone out.
 */
public final class SessionStore {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Duration idleTimeout;
    private final Clock clock;

    public SessionStore(Duration idleTimeout, Clock clock) {
        this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** Opens a session for {@code user} and returns its token. */
    public String open(String user) {
        String token = randomToken();
        sessions.put(token, new Session(user, randomToken(), clock.instant()));
        return token;
    }

    /** The live session of {@code token}, marked as seen now; empty when unknown or idle too long. */
    public Optional<Session> find(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Session session = sessions.computeIfPresent(token, (t, s) ->
                s.lastSeen().plus(idleTimeout).isBefore(now) ? null : s.touched(now));
        return Optional.ofNullable(session);
    }

    public void close(String token) {
        if (token != null) {
            sessions.remove(token);
        }
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
