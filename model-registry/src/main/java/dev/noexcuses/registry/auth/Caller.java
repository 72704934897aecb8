package dev.noexcuses.registry.auth;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.registry.RegistryException;
import java.util.Set;

/** The authenticated user of a request and their roles. */
public record Caller(String name, Set<Role> roles) {
    public Caller {
        requireNonNull(name, "name is null");
        roles = Set.copyOf(roles);
    }

    public boolean may(Role role) {
        return roles.contains(role) || (role == Role.VIEWER && !roles.isEmpty());
    }

    /** This caller, when they have {@code role}; a 403 naming the role otherwise. */
    public Caller require(Role role) {
        if (!may(role)) {
            throw RegistryException.forbidden("User '" + name + "' lacks the " + role.configName() + " role this call needs (has "
                    + roles.stream().map(Role::configName).sorted().toList() + ")");
        }
        return this;
    }
}
