package dev.noexcuses.common.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads the platform's configuration, one layer over the next (first wins):
 * {@code --set key=value} overrides, JVM system properties, {@code CONFIG_FORCE_*} environment
 * variables, the user's {@code platform.conf}, and every module's {@code reference.conf}.
 */
public final class PlatformConfig {
    private PlatformConfig() {}

    public static Config load(Optional<Path> file, Map<String, String> overrides) {
        requireNonNull(file, "file is null");
        requireNonNull(overrides, "overrides is null");
        Config fromFile = ConfigFactory.empty();
        if (file.isPresent()) {
            Path path = file.get();
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("Config file not found: " + path.toAbsolutePath());
            }
            fromFile = ConfigFactory.parseFile(path.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        }
        ConfigFactory.invalidateCaches();
        // Where this configuration came from, so a running service can read it again (reload()).
        Map<String, Object> origin = Map.of(
                "platform.origin.config-file", file.map(p -> p.toAbsolutePath().toString()).orElse(""),
                "platform.origin.overrides", overrides.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
        return ConfigFactory.parseMap(overrides, "--set overrides")
                .withFallback(ConfigFactory.parseMap(origin, "origin of this configuration"))
                .withFallback(ConfigFactory.systemProperties())
                .withFallback(ConfigFactory.systemEnvironmentOverrides())
                .withFallback(fromFile)
                // Unresolved, so references such as ${platform.data-dir} in a module's reference.conf see the
                // user's --data-dir and platform.conf, not the default they would resolve to on their own.
                .withFallback(ConfigFactory.defaultReferenceUnresolved())
                .resolve();
    }

    /**
     * The configuration {@code current} was loaded from, read again: the same file and
     * {@code --set} overrides, as they are now. What a service reloads on SIGHUP.
     */
    public static Config reload(Config current) {
        String file = current.hasPath("platform.origin.config-file") ? current.getString("platform.origin.config-file") : "";
        List<String> overrides = current.hasPath("platform.origin.overrides")
                ? current.getStringList("platform.origin.overrides") : List.of();
        return load(file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file)), parseOverrides(overrides));
    }

    /** The defaults alone, with overrides: what tests and embedded runs start from. */
    public static Config defaults(Map<String, String> overrides) {
        return load(Optional.empty(), overrides);
    }

    /** Parses {@code key=value} pairs as given on the command line. */
    public static Map<String, String> parseOverrides(List<String> pairs) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid override '" + pair + "': expected key=value");
            }
            result.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return result;
    }
}
