package dev.noexcuses.console.auth;

import java.time.Instant;

/** A logged-in browser: who it is and the token its actions must carry (CSRF protection). */
public record Session(String user, String csrfToken, Instant lastSeen) {
    Session touched(Instant now) {
        return new Session(user, csrfToken, now);
    }
}
