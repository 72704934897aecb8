package dev.noexcuses.console.auth;

import static java.util.Objects.requireNonNull;

/** A user of the console as configured in {@code console.users}: a name and a password hash. */
public record ConsoleUser(String name, String passwordHash) {
    public ConsoleUser {
        requireNonNull(name, "name is null");
        if (name.isBlank()) {
            throw new IllegalArgumentException("Invalid console.users entry: the name is blank");
        }
        PasswordHash.checkFormat(name, passwordHash);
    }

    @Override
    public String toString() {
        // Never print the hash.
        return "ConsoleUser[" + name + "]";
    }
}
