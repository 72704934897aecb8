package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --data-dir}, {@code --config} and {@code --set}: shared by every subcommand. */
public final class ConfigOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where embedded infrastructure keeps data and services write logs (default: ./data, or platform.data-dir).")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE", description = "A platform.conf (HOCON) with your settings.")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one setting, e.g. --set kafka.bootstrap-servers=broker:9092 (repeatable).")
    List<String> overrides = new ArrayList<>();

    Config load() {
        Map<String, String> sets = new LinkedHashMap<>(PlatformConfig.parseOverrides(overrides));
        if (dataDir != null) {
            sets.put("platform.data-dir", dataDir.toString());
        }
        return PlatformConfig.load(Optional.ofNullable(configFile), sets);
    }

    /** These options as arguments of another {@code ./platform} command on the same platform. */
    List<String> arguments(Config config) {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir(config).toString()));
        if (configFile != null) {
            args.addAll(List.of("--config", configFile.toString()));
        }
        overrides.forEach(o -> args.addAll(List.of("--set", o)));
        return args;
    }

    Path dataDir(Config config) {
        return Path.of(config.getString("platform.data-dir")).toAbsolutePath().normalize();
    }
}
