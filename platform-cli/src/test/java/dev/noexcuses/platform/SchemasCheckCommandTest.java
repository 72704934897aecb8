package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.platform.cli.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemasCheckCommandTest {
    @TempDir
    Path registry;

    @Test
    void theShippedRegistryPasses() {
        assertThat(Commands.execute("schemas", "check", "--dir", Path.of("..", "schemas").toString())).isZero();
    }

    @Test
    void aMinorVersionThatAddsARequiredFieldFails() throws Exception {
        Path dir = Files.createDirectories(registry.resolve("com.acme/signup"));
        Files.writeString(dir.resolve("1-0-0.json"), """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"email": {"type": "string"}}, "required": ["email"]}""");
        Files.writeString(dir.resolve("1-1-0.json"), """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"email": {"type": "string"}, "plan": {"type": "string"}},
                 "required": ["email", "plan"]}""");
        assertThat(Commands.execute("schemas", "check", "--dir", registry.toString())).isEqualTo(1);
    }
}
