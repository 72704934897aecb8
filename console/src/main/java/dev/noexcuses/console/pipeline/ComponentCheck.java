package dev.noexcuses.console.pipeline;

import static java.util.Objects.requireNonNull;

/**
 * A platform component whose health the console shows: its name, an HTTP URL answering 200 while it is up,
 * and the bearer token that URL asks for (blank: the console's admin token).
 */
public record ComponentCheck(String name, String healthUrl, String token) {
    public ComponentCheck {
        requireNonNull(name, "name is null");
        requireNonNull(healthUrl, "healthUrl is null");
        token = token == null ? "" : token;
    }
}
