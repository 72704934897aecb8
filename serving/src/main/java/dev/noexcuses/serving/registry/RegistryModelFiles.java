package dev.noexcuses.serving.registry;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.registry.client.RegistryClient;
import dev.noexcuses.registry.client.RegistryClient.ModelVersion;
import dev.noexcuses.registry.client.RegistryClient.RegistryCallException;
import dev.noexcuses.registry.client.RegistryClient.ResolvedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model files from the model registry: a version, or what an alias ({@code champion}) points at now,
 * resolved and downloaded through the registry into a local folder, where model servers load it. A
 * registered version never changes, so a file fetched once is kept and used again.
 */
public final class RegistryModelFiles {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryModelFiles.class);

    private final RegistryClient registry;
    private final String registryUrl;
    private final Path folder;

    public RegistryModelFiles(RegistryClient registry, String registryUrl, Path folder) {
        this.registry = requireNonNull(registry, "registry is null");
        this.registryUrl = requireNonNull(registryUrl, "registryUrl is null");
        this.folder = requireNonNull(folder, "folder is null");
    }

    /** The registry of {@code serving.registry.*}, files kept under {@code serving.registry.cache-dir}; empty when no URL is set. */
    public static Optional<RegistryModelFiles> from(Config config) {
        Config c = config.getConfig("serving.registry");
        String url = c.getString("url");
        if (url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new RegistryModelFiles(RegistryClient.create(URI.create(url), c.getString("token")), url,
                Path.of(c.getString("cache-dir"))));
    }

    /**
     * One version of a registered model, fetched.
     *
     * @param alias the alias it was resolved from, or null when the version was named
     * @param source where the registry keeps its artifact (an S3 URI)
     */
    public record ModelFile(String model, String version, String alias, Path file, String source, String runId) {}

    /**
     * Resolves {@code alias} (when given) or takes {@code version}, and returns that version's model
     * file, downloaded when it is not here yet. When both are given they must agree.
     */
    public ModelFile fetch(String model, String version, String alias) {
        requireNonNull(model, "model is null");
        boolean byAlias = alias != null && !alias.isBlank();
        if (!byAlias && (version == null || !version.matches("\\d+"))) {
            throw new IllegalArgumentException("Invalid registry version '" + version + "' of " + model
                    + ": expected a version number of the registry, or an alias (e.g. alias = champion)");
        }
        ResolvedModel resolved;
        try {
            if (byAlias) {
                resolved = registry.tryResolve(model, alias).orElseThrow(() -> new IllegalArgumentException(
                        "The model registry at " + registryUrl + " has no alias '" + alias + "' of model '" + model + "'"));
                if (version != null && !version.isBlank() && !version.equals(Integer.toString(resolved.version()))) {
                    throw new IllegalArgumentException("Alias '" + alias + "' of " + model + " is version "
                            + resolved.version() + ", not " + version + ": give one of them");
                }
            } else {
                ModelVersion v = registry.version(model, Integer.parseInt(version));
                resolved = new ResolvedModel(model, null, v.version(), v.source(), v.runId());
            }
        } catch (RegistryCallException e) {
            if (e.status() == 404) {
                throw new IllegalArgumentException("The model registry at " + registryUrl + " has no "
                        + (byAlias ? "alias '" + alias + "'" : "version " + version) + " of model '" + model + "': "
                        + e.getMessage(), e);
            }
            throw new IllegalStateException("The model registry at " + registryUrl + " refused " + model + " "
                    + (byAlias ? "@" + alias : "v" + version) + ": " + e.status() + " " + e.getMessage(), e);
        }
        String number = Integer.toString(resolved.version());
        // The file keeps its artifact's name: a .json model carries its feature names.
        String name = resolved.source().substring(resolved.source().lastIndexOf('/') + 1);
        if (name.isBlank() || name.equals("..") || name.equals(".")) {
            name = "model.json";
        }
        Path file = folder.resolve(model).resolve(number).resolve(name);
        if (!Files.isRegularFile(file)) {
            download(resolved, file);
        }
        return new ModelFile(model, number, byAlias ? alias : null, file.toAbsolutePath(), resolved.source(),
                resolved.runId());
    }

    private void download(ResolvedModel resolved, Path file) {
        byte[] content;
        try {
            content = registry.downloadModel(resolved);
        } catch (RegistryCallException e) {
            throw new IllegalStateException("Cannot download " + resolved.model() + " v" + resolved.version()
                    + " from the model registry at " + registryUrl + ": " + e.getMessage(), e);
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".part");
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep the model file of " + resolved.model() + " v"
                    + resolved.version() + " in " + file.getParent(), e);
        }
        LOG.info("Fetched {} v{} ({} bytes) from the model registry: {}", resolved.model(), resolved.version(),
                content.length, resolved.source());
    }
}
