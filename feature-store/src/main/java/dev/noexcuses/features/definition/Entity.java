package dev.noexcuses.features.definition;

import static java.util.Objects.requireNonNull;

/**
 * What features describe, and the column that identifies it in every source table, feature table, training
 * set and online key.
 *
 * @param name the entity's name, part of the online key ({@code fs:user:<key>})
 * @param joinKey the column holding its key in the sources and the feature tables
 */
public record Entity(String name, String joinKey, String description) {
    /** A visitor: {@code user_id} when known, else {@code anonymous_id} (the lakehouse's {@code user_key}). */
    public static final Entity USER = new Entity("user", "user_key",
            "a visitor of the shop: user_id when known, else the user id learned at a login, else anonymous_id");

    public Entity {
        requireNonNull(name, "name is null");
        requireNonNull(joinKey, "joinKey is null");
        requireNonNull(description, "description is null");
        if (!name.matches("[a-z][a-z0-9_]*") || !joinKey.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("Invalid entity '" + name + "' with join key '" + joinKey
                    + "': expected lower-case letters, digits and _");
        }
    }
}
