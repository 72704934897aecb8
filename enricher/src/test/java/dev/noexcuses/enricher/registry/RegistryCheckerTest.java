package dev.noexcuses.enricher.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCheckerTest {
    private static final String V1 = """
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
             "properties": {"url": {"type": "string"}, "page_type": {"type": "string", "enum": ["home", "cart"]}},
             "required": ["url"], "additionalProperties": true}""";

    private final RegistryChecker checker = new RegistryChecker();

    @TempDir
    Path registry;

    @Test
    void acceptsTheRepositorysSchemas() {
        assertThat(checker.check(Path.of("..", "schemas"))).isEmpty();
    }

    @Test
    void acceptsAMinorVersionThatOnlyAddsOptionalFieldsAndChangesDescriptions() throws IOException {
        write("com.acme/page_view/1-0-0.json", V1);
        write("com.acme/page_view/1-1-0.json", """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "description": "now documented",
                 "properties": {"url": {"type": "string", "description": "the page"},
                   "page_type": {"type": "string", "enum": ["home", "cart"]}, "title": {"type": "string"}},
                 "required": ["url"], "additionalProperties": true}""");

        assertThat(checker.check(registry)).isEmpty();
    }

    @Test
    void rejectsAMinorVersionThatAddsARequiredFieldOrChangesAnEnum() throws IOException {
        write("com.acme/page_view/1-0-0.json", V1);
        write("com.acme/page_view/1-0-1.json", """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"url": {"type": "string"}, "page_type": {"type": "string", "enum": ["home"]},
                   "title": {"type": "string"}},
                 "required": ["url", "title"], "additionalProperties": true}""");

        List<RegistryViolation> violations = checker.check(registry);

        assertThat(violations).extracting(RegistryViolation::schema).containsOnly("com.acme/page_view/1-0-1");
        assertThat(violations).extracting(RegistryViolation::message)
                .anySatisfy(m -> assertThat(m).startsWith("$.title becomes required").contains("must bump MAJOR"))
                .anySatisfy(m -> assertThat(m).startsWith("$.page_type changes 'enum'"));
    }

    @Test
    void rejectsAMinorVersionThatRemovesAFieldButAllowsItInANewMajor() throws IOException {
        write("com.acme/page_view/1-0-0.json", V1);
        String withoutPageType = """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                 "properties": {"url": {"type": "string"}}, "required": ["url"]}""";
        write("com.acme/page_view/1-1-0.json", withoutPageType);
        write("com.acme/page_view/2-0-0.json", withoutPageType);

        List<RegistryViolation> violations = checker.check(registry);

        assertThat(violations).hasSize(2);
        assertThat(violations).allSatisfy(v -> assertThat(v.schema()).isEqualTo("com.acme/page_view/1-1-0"));
        assertThat(violations).extracting(RegistryViolation::message)
                .anySatisfy(m -> assertThat(m).startsWith("$.page_type is removed"))
                .anySatisfy(m -> assertThat(m).startsWith("$ removes the constraint 'additionalProperties'"));
    }

    @Test
    void rejectsInvalidJsonSchemasMisplacedFilesAndAMissingDialect() throws IOException {
        write("com.acme/bad_type/1-0-0.json", """
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "strin"}""");
        write("com.acme/not_json/1-0-0.json", "{ nope");
        write("com.acme/old_draft/1-0-0.json", """
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}""");
        write("com.acme/page_view/latest.json", V1);

        List<RegistryViolation> violations = checker.check(registry);

        assertThat(violations).extracting(RegistryViolation::toString)
                .anySatisfy(v -> assertThat(v).startsWith("com.acme/bad_type/1-0-0: is not a valid JSON Schema"))
                .anySatisfy(v -> assertThat(v).startsWith("com.acme/not_json/1-0-0: is not valid JSON"))
                .anySatisfy(v -> assertThat(v).startsWith("com.acme/old_draft/1-0-0: must declare \"$schema\""))
                .anySatisfy(v -> assertThat(v).startsWith("com.acme/page_view/latest.json: unexpected file"));
    }

    private void write(String relative, String content) throws IOException {
        Path file = registry.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }
}
