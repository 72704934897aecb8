package dev.noexcuses.registry.auth;

import java.util.Locale;

/** What a user may do. Editors and approvers may also read; an approver is not an editor. */
public enum Role {
    VIEWER, EDITOR, APPROVER;

    public static Role parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid model-registry role '" + name + "': expected viewer, editor or approver");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
