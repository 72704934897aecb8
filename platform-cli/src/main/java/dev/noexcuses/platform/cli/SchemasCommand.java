package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.enricher.registry.RegistryChecker;
import dev.noexcuses.enricher.registry.RegistryViolation;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "schemas", description = "The schema registry.", subcommands = SchemasCommand.Check.class)
final class SchemasCommand {

    @Command(name = "check", description = {
            "Verify the registry: every schema is valid JSON Schema, and a new MINOR or PATCH version only adds",
            "optional fields to the previous one (a breaking change must bump MAJOR). Exits 1 on a violation."})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--dir", paramLabel = "DIR",
                description = "The registry folder (default: enricher.registry.location, i.e. the repo's schemas/).")
        Path dir;

        @Override
        public Integer call() {
            Config config = PlatformRuntime.withShippedFiles(options.load());
            Path registry = dir != null ? dir : Path.of(config.getString("enricher.registry.location"));
            if (!Files.isDirectory(registry)) {
                System.err.println("Not a schema registry folder: " + registry.toAbsolutePath()
                        + " (laid out <vendor>/<name>/<MAJOR-MINOR-PATCH>.json)");
                return 2;
            }
            List<RegistryViolation> violations = new RegistryChecker().check(registry);
            if (violations.isEmpty()) {
                System.out.println("Schema registry " + registry + ": ok");
                return 0;
            }
            System.out.println("Schema registry " + registry + ": " + violations.size() + " violation(s)");
            violations.forEach(v -> System.out.println("  " + v));
            return 1;
        }
    }
}
