package dev.noexcuses.enrichment.schemas;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/schemas/{vendor}/{name}/{version}}: a static schema registry over HTTP, serving
 * {@code <directory>/<vendor>/<name>/<version>.json} as it is on disk (so edits show at once).
 */
public final class SchemaFileService implements HttpService {
    private static final Pattern VENDOR = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_-]*");
    private static final Pattern VERSION = Pattern.compile("\\d+-\\d+-\\d+");

    private final Path directory;

    public SchemaFileService(Path directory) {
        this.directory = requireNonNull(directory, "directory is null").toAbsolutePath().normalize();
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String vendor = ctx.pathParam("vendor");
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        if (!matches(VENDOR, vendor) || !matches(NAME, name) || !matches(VERSION, version) || vendor.contains("..")) {
            return HttpResponse.of(HttpStatus.BAD_REQUEST, MediaType.PLAIN_TEXT_UTF_8,
                    "Invalid schema reference %s/%s/%s: expected vendor/name/MAJOR-MINOR-PATCH", vendor, name, version);
        }
        Path file = directory.resolve(vendor).resolve(name).resolve(version + ".json");
        try {
            return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8,
                    "No schema %s/%s/%s in the registry", vendor, name, version);
        } catch (IOException e) {
            return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.PLAIN_TEXT_UTF_8,
                    "Cannot read schema %s/%s/%s: %s", vendor, name, version, e.getMessage());
        }
    }

    private static boolean matches(Pattern pattern, String value) {
        return value != null && pattern.matcher(value).matches();
    }
}
