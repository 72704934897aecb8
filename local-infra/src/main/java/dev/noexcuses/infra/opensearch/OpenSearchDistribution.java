package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.files.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenSearch server zip ({@code org.opensearch.distribution.integ-test-zip:opensearch}) that Maven
 * resolved from Central when local-infra was built, and its unpacking into a data directory.
 */
record OpenSearchDistribution(String version, Path zip) {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSearchDistribution.class);
    private static final String BUILD_INFO = "/opensearch-distribution.properties";
    private static final String UNPACKED_MARKER = ".unpacked";

    OpenSearchDistribution {
        requireNonNull(version, "version is null");
        requireNonNull(zip, "zip is null");
    }

    /**
     * The zip named by {@code configured} (a path; blank for the one the build resolved), else the one
     * in the local Maven repository.
     */
    static OpenSearchDistribution locate(String configured) {
        Properties build = buildInfo();
        String version = build.getProperty("version");
        if (!configured.isBlank()) {
            Path zip = Path.of(configured);
            if (!Files.isRegularFile(zip)) {
                throw new IllegalStateException("OpenSearch distribution not found at " + zip.toAbsolutePath()
                        + " (local-infra.opensearch.distribution)");
            }
            return new OpenSearchDistribution(versionOf(zip).orElse(version), zip);
        }
        List<Path> candidates = new ArrayList<>();
        String resolved = build.getProperty("zip", "");
        if (!resolved.isBlank() && !resolved.startsWith("${")) {
            candidates.add(Path.of(resolved));
        }
        String relative = "org/opensearch/distribution/integ-test-zip/opensearch/" + version + "/opensearch-" + version
                + ".zip";
        String repoLocal = System.getProperty("maven.repo.local", "");
        if (!repoLocal.isBlank()) {
            candidates.add(Path.of(repoLocal).resolve(relative));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository").resolve(relative));
        return candidates.stream().filter(Files::isRegularFile).findFirst()
                .map(zip -> new OpenSearchDistribution(version, zip))
                .orElseThrow(() -> new IllegalStateException("OpenSearch distribution " + version + " not found in "
                        + candidates + ": build local-infra with Maven (./mvnw install -pl local-infra -am) so it is "
                        + "resolved from Maven Central, or set local-infra.opensearch.distribution to the zip"));
    }

    private static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = OpenSearchDistribution.class.getResourceAsStream(BUILD_INFO)) {
            if (in == null) {
                throw new IllegalStateException(BUILD_INFO + " is missing from local-infra: rebuild it with Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static Optional<String> versionOf(Path zip) {
        String name = zip.getFileName().toString();
        return name.startsWith("opensearch-") && name.endsWith(".zip")
                ? Optional.of(name.substring("opensearch-".length(), name.length() - ".zip".length()))
                : Optional.empty();
    }

    /**
     * The server's home ({@code bin/}, {@code lib/}, {@code modules/}) under {@code parent}, unpacked on
     * first use. Readable by everyone, so an unprivileged account can run it; nothing in it is written.
     */
    Path unpackInto(Path parent) throws IOException {
        Path home = parent.resolve("opensearch-" + version);
        if (Files.exists(home.resolve(UNPACKED_MARKER))) {
            return home;
        }
        long t0 = System.nanoTime();
        Path staging = Files.createDirectories(parent).resolve(".unpacking-" + version);
        FileTrees.delete(staging);
        Files.createDirectories(staging);
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = archive.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                Path target = staging.resolve(entry.getName()).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("Invalid entry in " + zip + ": " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = archive.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                // java.util.zip drops Unix modes: the launch scripts get theirs back.
                boolean script = target.getParent().getFileName().toString().equals("bin");
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(script ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path unpacked = staging.resolve("opensearch-" + version);
        if (!Files.isDirectory(unpacked.resolve("bin"))) {
            throw new IOException("Unexpected layout of " + zip + ": no opensearch-" + version + "/bin in it");
        }
        try (var dirs = Files.walk(unpacked)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        FileTrees.delete(home);
        Files.move(unpacked, home);
        FileTrees.delete(staging);
        Files.createFile(home.resolve(UNPACKED_MARKER));
        LOG.info("Unpacked OpenSearch {} into {} in {} ms", version, home, (System.nanoTime() - t0) / 1_000_000);
        return home;
    }
}
