package dev.noexcuses.registry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.registry.auth.TokenAuthentication;
import java.util.List;
import java.util.Set;

/** The {@code model-registry.*} settings, validated once at start. */
public record RegistrySettings(String host, int port, long maxArtifactSize, Set<String> protectedAliases, int maxPageSize,
                               List<TokenAuthentication.User> users) {
    public RegistrySettings {
        requireNonNull(host, "host is null");
        protectedAliases = Set.copyOf(protectedAliases);
        users = List.copyOf(users);
        if (maxPageSize < 1) {
            throw new IllegalArgumentException("Invalid model-registry.max-page-size: " + maxPageSize + ", expected at least 1");
        }
        if (users.isEmpty()) {
            throw new IllegalArgumentException("Invalid model-registry.users: it is empty, so nobody could call the registry");
        }
    }

    public static RegistrySettings from(Config config) {
        Config r = config.getConfig("model-registry");
        return new RegistrySettings(r.getString("host"), r.getInt("port"), r.getBytes("max-artifact-size"),
                Set.copyOf(r.getStringList("protected-aliases")), r.getInt("max-page-size"), TokenAuthentication.users(r));
    }
}
