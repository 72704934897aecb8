package dev.noexcuses.common.failure;

import static java.util.Objects.requireNonNull;

/** One thing wrong with an event: where (a JSON path such as {@code $.data.price}) and what. */
public record FailureError(String path, String message) {
    public FailureError {
        requireNonNull(path, "path is null");
        requireNonNull(message, "message is null");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
