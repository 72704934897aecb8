package dev.noexcuses.enricher.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Verifies a schema registry directory ({@code ./platform schemas check}): every file is
 * {@code <vendor>/<name>/<MAJOR-MINOR-PATCH>.json}, a valid draft 2020-12 JSON Schema, and each
 * MINOR or PATCH version only adds optional fields to the version before it in the same MAJOR.
 * Anything else (a new required field, a removed field, a changed type, enum or bound) is a
 * breaking change and must bump MAJOR.
 */
public final class RegistryChecker {
    static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";
    /** Keywords that document a schema without constraining data: free to change in any version. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$comment", "examples", "default",
            "deprecated", "readOnly", "writeOnly", "$id", "$schema");

    private final SchemaRegistry compiler = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Schema metaSchema = compiler.getSchema(SchemaLocation.of(DRAFT_2020_12));

    /** Every violation found in {@code directory}; empty when the registry is sound. */
    public List<RegistryViolation> check(Path directory) {
        requireNonNull(directory, "directory is null");
        List<RegistryViolation> violations = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            violations.add(new RegistryViolation(directory.toString(), "is not a directory"));
            return violations;
        }
        Map<String, List<Version>> families = new LinkedHashMap<>();
        for (Path file : files(directory)) {
            String relative = directory.relativize(file).toString().replace('\\', '/');
            Optional<SchemaRef> ref = refOf(relative);
            if (ref.isEmpty()) {
                violations.add(new RegistryViolation(relative,
                        "unexpected file: expected <vendor>/<name>/<MAJOR-MINOR-PATCH>.json"));
                continue;
            }
            Optional<JsonNode> schema = readValidSchema(file, ref.get(), violations);
            schema.ifPresent(s -> families
                    .computeIfAbsent(ref.get().vendor() + "/" + ref.get().name() + "/" + ref.get().major(),
                            k -> new ArrayList<>())
                    .add(new Version(ref.get(), s)));
        }
        for (List<Version> versions : families.values()) {
            versions.sort(Comparator.comparingInt((Version v) -> v.ref().minor()).thenComparingInt(v -> v.ref().patch()));
            for (int i = 1; i < versions.size(); i++) {
                Version previous = versions.get(i - 1);
                Version next = versions.get(i);
                List<String> changes = new ArrayList<>();
                compare(previous.schema(), next.schema(), "$", changes);
                for (String change : changes) {
                    violations.add(new RegistryViolation(next.ref().toString(), change + " compared with "
                            + previous.ref().version() + ": a MINOR or PATCH version may only add optional fields;"
                            + " a breaking change must bump MAJOR"));
                }
            }
        }
        return violations;
    }

    private record Version(SchemaRef ref, JsonNode schema) {}

    private Optional<JsonNode> readValidSchema(Path file, SchemaRef ref, List<RegistryViolation> violations) {
        String where = ref.toString();
        JsonNode schema;
        try {
            schema = Json.mapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            violations.add(new RegistryViolation(where, "is not valid JSON: " + e.getMessage()));
            return Optional.empty();
        }
        if (schema == null || !schema.isObject()) {
            violations.add(new RegistryViolation(where, "is not a JSON object"));
            return Optional.empty();
        }
        JsonNode dialect = schema.get("$schema");
        if (dialect == null || !DRAFT_2020_12.equals(dialect.asText())) {
            violations.add(new RegistryViolation(where, "must declare \"$schema\": \"" + DRAFT_2020_12 + "\" but has "
                    + (dialect == null ? "none" : dialect.toString())));
            return Optional.empty();
        }
        List<Error> errors = metaSchema.validate(schema);
        if (!errors.isEmpty()) {
            for (Error error : errors) {
                violations.add(new RegistryViolation(where, "is not a valid JSON Schema: "
                        + error.getInstanceLocation() + " " + error.getMessage()));
            }
            return Optional.empty();
        }
        try {
            compiler.getSchema(schema).initializeValidators();
        } catch (RuntimeException e) {
            violations.add(new RegistryViolation(where, "does not compile: " + e.getMessage()));
            return Optional.empty();
        }
        return Optional.of(schema);
    }

    /** Adds to {@code changes} every difference of {@code next} from {@code previous} other than new optional fields. */
    static void compare(JsonNode previous, JsonNode next, String path, List<String> changes) {
        if (!previous.isObject() || !next.isObject()) {
            if (!previous.equals(next)) {
                changes.add(path + " changes from " + previous + " to " + next);
            }
            return;
        }
        Set<String> keys = new TreeSet<>();
        previous.fieldNames().forEachRemaining(keys::add);
        next.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (ANNOTATIONS.contains(key)) {
                continue;
            }
            JsonNode before = previous.get(key);
            JsonNode after = next.get(key);
            switch (key) {
                case "properties" -> compareProperties(before, after, path, changes);
                case "required" -> compareRequired(before, after, path, changes);
                case "items" -> {
                    if (before == null || after == null) {
                        changes.add(path + (before == null ? " adds" : " removes") + " 'items'");
                    } else {
                        compare(before, after, path + "[*]", changes);
                    }
                }
                default -> {
                    if (before == null) {
                        changes.add(path + " adds the constraint '" + key + "': " + after);
                    } else if (after == null) {
                        changes.add(path + " removes the constraint '" + key + "': " + before);
                    } else if (!before.equals(after)) {
                        changes.add(path + " changes '" + key + "' from " + before + " to " + after);
                    }
                }
            }
        }
    }

    private static void compareProperties(JsonNode before, JsonNode after, String path, List<String> changes) {
        JsonNode previous = before == null ? Json.mapper().createObjectNode() : before;
        JsonNode next = after == null ? Json.mapper().createObjectNode() : after;
        for (Iterator<String> it = previous.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!next.has(field)) {
                changes.add(path + "." + field + " is removed");
            } else {
                compare(previous.get(field), next.get(field), path + "." + field, changes);
            }
        }
    }

    private static void compareRequired(JsonNode before, JsonNode after, String path, List<String> changes) {
        Set<String> previous = textSet(before);
        Set<String> next = textSet(after);
        for (String field : next) {
            if (!previous.contains(field)) {
                changes.add(path + "." + field + " becomes required");
            }
        }
        for (String field : previous) {
            if (!next.contains(field)) {
                changes.add(path + "." + field + " is no longer required");
            }
        }
    }

    private static Set<String> textSet(JsonNode array) {
        Set<String> values = new TreeSet<>();
        if (array != null && array.isArray()) {
            array.forEach(v -> values.add(v.asText()));
        }
        return values;
    }

    private static List<Path> files(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the schema registry " + directory, e);
        }
    }

    static Optional<SchemaRef> refOf(String relativePath) {
        if (!relativePath.endsWith(".json")) {
            return Optional.empty();
        }
        return SchemaRef.parse(relativePath.substring(0, relativePath.length() - ".json".length()));
    }
}
