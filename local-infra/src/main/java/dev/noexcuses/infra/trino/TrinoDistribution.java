package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.files.FileTrees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Trino server tarball ({@code io.trino:trino-server-core}) and Iceberg plugin zip
 * ({@code io.trino:trino-iceberg}) Maven resolved from Central when local-infra was built, and their
 * unpacking into one installation folder shared by every data directory (nothing in it is written).
 */
record TrinoDistribution(String version, Path serverArchive, Path icebergPluginArchive) {
    private static final Logger LOG = LoggerFactory.getLogger(TrinoDistribution.class);
    private static final String BUILD_INFO = "/trino-distribution.properties";
    private static final String UNPACKED_MARKER = ".unpacked";

    TrinoDistribution {
        requireNonNull(version, "version is null");
        requireNonNull(serverArchive, "serverArchive is null");
        requireNonNull(icebergPluginArchive, "icebergPluginArchive is null");
    }

    /**
     * The archives named by the configuration (paths; blank for the ones the build resolved), else those in the
     * local Maven repository.
     */
    static TrinoDistribution locate(String configuredServer, String configuredPlugin) {
        Properties build = buildInfo();
        String version = build.getProperty("version");
        return new TrinoDistribution(version,
                archive(configuredServer, build.getProperty("server", ""), "io/trino/trino-server-core/" + version
                        + "/trino-server-core-" + version + ".tar.gz", "local-infra.trino.server-archive"),
                archive(configuredPlugin, build.getProperty("iceberg-plugin", ""), "io/trino/trino-iceberg/" + version
                        + "/trino-iceberg-" + version + ".zip", "local-infra.trino.iceberg-plugin-archive"));
    }

    private static Path archive(String configured, String resolved, String repositoryPath, String key) {
        if (!configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException("Trino archive not found at " + path.toAbsolutePath() + " (" + key + ")");
            }
            return path;
        }
        List<Path> candidates = new ArrayList<>();
        if (!resolved.isBlank() && !resolved.startsWith("${")) {
            candidates.add(Path.of(resolved));
        }
        String repoLocal = System.getProperty("maven.repo.local", "");
        if (!repoLocal.isBlank()) {
            candidates.add(Path.of(repoLocal).resolve(repositoryPath));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository").resolve(repositoryPath));
        return candidates.stream().filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new IllegalStateException("Trino archive not found in " + candidates
                        + ": build local-infra with Maven (./mvnw -pl local-infra -am package) so it is resolved from "
                        + "Maven Central, or set " + key));
    }

    private static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = TrinoDistribution.class.getResourceAsStream(BUILD_INFO)) {
            if (in == null) {
                throw new IllegalStateException(BUILD_INFO + " is missing from local-infra: rebuild it with Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * The server's home under {@code installDir}: {@code lib/} (the server's classpath) and {@code plugin/iceberg/},
     * unpacked on first use. Another process unpacking at the same time is harmless: each unpacks into a folder of
     * its own and the first to finish wins the rename.
     */
    Path install(Path installDir) throws IOException {
        Path home = installDir.toAbsolutePath().normalize();
        if (Files.exists(home.resolve(UNPACKED_MARKER))) {
            return home;
        }
        long t0 = System.nanoTime();
        Path parent = Files.createDirectories(home.getParent());
        Path staging = parent.resolve(".unpacking-" + home.getFileName() + "-" + UUID.randomUUID());
        try {
            unpackServerLib(staging.resolve("lib"));
            unpackPlugin(staging.resolve("plugin/iceberg"));
            Files.createFile(staging.resolve(UNPACKED_MARKER));
            if (Files.exists(home) && !Files.exists(home.resolve(UNPACKED_MARKER))) {
                FileTrees.delete(home);
            }
            try {
                Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                if (!Files.exists(home.resolve(UNPACKED_MARKER))) {
                    throw e;
                }
            }
        } finally {
            FileTrees.delete(staging);
        }
        LOG.info("Unpacked Trino {} and its Iceberg plugin into {} in {} ms", version, home,
                (System.nanoTime() - t0) / 1_000_000);
        return home;
    }

    /** Only the server's {@code lib/}: the tarball's other plugins are not loaded. */
    private void unpackServerLib(Path lib) throws IOException {
        Files.createDirectories(lib);
        try (InputStream file = new BufferedInputStream(Files.newInputStream(serverArchive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
            int jars = 0;
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                String name = entry.getName();
                int slash = name.indexOf('/');
                String inside = slash < 0 ? "" : name.substring(slash + 1);
                if (!entry.isFile() || !inside.startsWith("lib/") || inside.indexOf('/', 4) >= 0) {
                    continue;
                }
                Files.copy(tar, lib.resolve(inside.substring(4)), StandardCopyOption.REPLACE_EXISTING);
                jars++;
            }
            if (jars == 0) {
                throw new IOException("Unexpected layout of " + serverArchive + ": no lib/ folder in it");
            }
        }
    }

    private void unpackPlugin(Path target) throws IOException {
        Files.createDirectories(target);
        try (ZipFile zip = new ZipFile(icebergPluginArchive.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            int jars = 0;
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                // trino-iceberg-476/<jar>: the plugin's own classpath, flat.
                String file = name.substring(name.lastIndexOf('/') + 1);
                if (entry.isDirectory() || !file.endsWith(".jar")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
                jars++;
            }
            if (jars == 0) {
                throw new IOException("Unexpected layout of " + icebergPluginArchive + ": no jars in it");
            }
        }
    }
}
