package dev.noexcuses.enricher.registry;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Schemas as files: {@code <directory>/<vendor>/<name>/<MAJOR-MINOR-PATCH>.json}, the repo's {@code schemas/}. */
public final class DirectorySchemaSource implements SchemaSource {
    private final Path directory;

    public DirectorySchemaSource(Path directory) {
        this.directory = requireNonNull(directory, "directory is null").toAbsolutePath().normalize();
    }

    @Override
    public JsonNode fetch(SchemaRef ref) {
        Path file = fileOf(directory, ref);
        try {
            return Json.mapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new SchemaNotFoundException(notFoundMessage(ref));
        } catch (IOException e) {
            throw new RegistryUnavailableException("Cannot read schema " + ref + " from " + file + ": " + e.getMessage(), e);
        }
    }

    static Path fileOf(Path directory, SchemaRef ref) {
        return directory.resolve(ref.vendor()).resolve(ref.name()).resolve(ref.version() + ".json");
    }

    private String notFoundMessage(SchemaRef ref) {
        Path versions = directory.resolve(ref.vendor()).resolve(ref.name());
        if (!Files.isDirectory(versions)) {
            return "Unknown schema " + ref.vendor() + "/" + ref.name() + ": the registry has no such event";
        }
        try (Stream<Path> files = Files.list(versions)) {
            String known = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length()))
                    .sorted()
                    .reduce((a, b) -> a + ", " + b)
                    .orElse("none");
            return "Unknown version " + ref.version() + " of schema " + ref.vendor() + "/" + ref.name()
                    + " (known versions: " + known + ")";
        } catch (IOException e) {
            return "Unknown version " + ref.version() + " of schema " + ref.vendor() + "/" + ref.name();
        }
    }

    @Override
    public String describe() {
        return directory.toString();
    }
}
