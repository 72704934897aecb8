package dev.noexcuses.infra.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code redis-server} executable to run: the configured one ({@code local-infra.redis.binary}), else the
 * one for this machine inside the {@code com.github.codemonstur:embedded-redis} jar on the classpath, copied
 * out once into {@code binDir}.
 *
 * @param version the server version from the binary's name, e.g. {@code 6.2.6}; blank for a configured binary
 */
record RedisBinary(Path path, String version) {
    /** A class of the embedded-redis jar, to find the jar the binaries are in. */
    private static final String MARKER = "redis/embedded/RedisServer.class";
    private static final Pattern SERVER = Pattern.compile("redis-server-(\\d+\\.\\d+(?:\\.\\d+)?)[^/]*-linux-([a-z0-9]+)");

    static RedisBinary locate(String configured, Path binDir) throws IOException {
        if (!configured.isBlank()) {
            Path path = Path.of(configured);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("Invalid local-infra.redis.binary " + path
                        + ": not an executable file (expected a redis-server or valkey-server binary)");
            }
            return new RedisBinary(path, "");
        }
        String arch = architecture();
        URL marker = RedisBinary.class.getClassLoader().getResource(MARKER);
        if (marker == null || !"jar".equals(marker.getProtocol())) {
            throw new IllegalStateException("The embedded-redis jar is not on the classpath; set "
                    + "local-infra.redis.binary to a redis-server binary, or redis.url to a Redis server");
        }
        JarURLConnection connection = (JarURLConnection) marker.openConnection();
        connection.setUseCaches(false);
        try (JarFile jar = connection.getJarFile()) {
            Optional<JarEntry> entry = jar.stream()
                    .filter(e -> {
                        Matcher m = SERVER.matcher(e.getName().replaceFirst("^/", ""));
                        return m.matches() && m.group(2).equals(arch);
                    })
                    .max(Comparator.comparing(JarEntry::getName));
            if (entry.isEmpty()) {
                throw new IllegalStateException("The embedded-redis jar has no redis-server for linux-" + arch
                        + "; set local-infra.redis.binary to a redis-server binary, or redis.url to a Redis server");
            }
            Matcher m = SERVER.matcher(entry.get().getName().replaceFirst("^/", ""));
            m.matches();
            Path target = binDir.resolve(Path.of(entry.get().getName()).getFileName().toString());
            if (!Files.isExecutable(target) || Files.size(target) != entry.get().getSize()) {
                Files.createDirectories(binDir);
                Path tmp = Files.createTempFile(binDir, "redis-server", ".tmp");
                try (InputStream in = jar.getInputStream(entry.get())) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return new RedisBinary(target, m.group(1));
        }
    }

    private static String architecture() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            throw new IllegalStateException("No embedded Redis for " + os + "; set local-infra.redis.binary to a "
                    + "redis-server binary, or redis.url to a Redis server");
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> throw new IllegalStateException("No embedded Redis for linux-" + arch + "; set "
                    + "local-infra.redis.binary to a redis-server binary, or redis.url to a Redis server");
        };
    }
}
