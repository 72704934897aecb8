package dev.noexcuses.platform.console;

import dev.noexcuses.platform.PlatformCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The {@code ./platform} the orchestrator's tasks run in a test: the platform's command line from this
 * build's classes (the test classpath), as the {@code platform} script runs it from the packaged jar,
 * which a test phase runs before. The Spark jobs it launches are the lakehouse module's, found from
 * PLATFORM_HOME as usual; their heap is limited to 1 GiB and the Spark UI is off.
 */
final class TestPlatformCommand {
    private TestPlatformCommand() {}

    static Path write(Path dir, Path platformHome) throws IOException {
        Files.createDirectories(dir);
        Path args = dir.resolve("platform.args");
        Files.write(args, List.of("-cp", quoted(System.getProperty("java.class.path")), PlatformCli.class.getName()));
        Path script = dir.resolve("platform");
        Files.writeString(script, String.join("\n",
                "#!/usr/bin/env bash",
                "export PLATFORM_HOME=" + shell(platformHome.toString()),
                "export CONFIG_FORCE_lakehouse_driver__memory=1g",
                "export CONFIG_FORCE_lakehouse_ui__port=-1",
                "exec " + shell(Path.of(System.getProperty("java.home"), "bin", "java").toString())
                        + " -Xms64m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                        + " -Dlogback.configurationFile=logback.xml @" + shell(args.toString()) + " \"$@\"",
                ""));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String shell(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
