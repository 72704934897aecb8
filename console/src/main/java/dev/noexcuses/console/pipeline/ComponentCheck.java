package dev.noexcuses.console.pipeline;

import static java.util.Objects.requireNonNull;

/** A platform component whose health the console shows: its name and an HTTP URL answering 200 while it is up. */
public record ComponentCheck(String name, String healthUrl) {
    public ComponentCheck {
        requireNonNull(name, "name is null");
        requireNonNull(healthUrl, "healthUrl is null");
    }
}
