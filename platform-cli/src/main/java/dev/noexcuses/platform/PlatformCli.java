package dev.noexcuses.platform;

import dev.noexcuses.platform.cli.Commands;
import java.nio.file.Path;

/** Entry point of {@code ./platform}. */
public final class PlatformCli {
    private PlatformCli() {}

    public static void main(String[] args) {
        // Logs go to files under the data directory; decide where before the first logger exists.
        System.setProperty("platform.log.dir", logDir(args).toString());
        int code = Commands.execute(args);
        System.exit(code);
    }

    private static Path logDir(String[] args) {
        String dataDir = "data";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--data-dir") && i + 1 < args.length) {
                dataDir = args[i + 1];
            } else if (args[i].startsWith("--data-dir=")) {
                dataDir = args[i].substring("--data-dir=".length());
            }
        }
        return Path.of(dataDir, "logs").toAbsolutePath().normalize();
    }
}
