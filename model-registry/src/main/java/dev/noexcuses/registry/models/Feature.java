package dev.noexcuses.registry.models;

import static java.util.Objects.requireNonNull;

/** One input of a model's signature: a feature's name and type (e.g. {@code double}, {@code long}, {@code string}). */
public record Feature(String name, String type) {
    public Feature {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
    }
}
