package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/** Where a running job host listens, its process, its token and its Spark master: a file only its owner can read. */
public record HostState(String url, long pid, String token, String master) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public HostState {
        requireNonNull(url, "url is null");
        requireNonNull(token, "token is null");
        requireNonNull(master, "master is null");
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "HostState[url=" + url + ", pid=" + pid + ", master=" + master + ", token=********]";
    }

    /** The host's state file under a platform's data directory. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("spark-job-host").resolve("host.json");
    }

    /** The state of a host whose process is alive, if {@code file} names one. */
    public static Optional<HostState> read(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            JsonNode n = JSON.readTree(file.toFile());
            HostState state = new HostState(n.path("url").asText(), n.path("pid").asLong(), n.path("token").asText(),
                    n.path("master").asText());
            return ProcessHandle.of(state.pid()).filter(ProcessHandle::isAlive).map(p -> state);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(temp);
        }
        Files.write(temp, JSON.writeValueAsBytes(JSON.createObjectNode().put("url", url).put("pid", pid).put("token", token)
                .put("master", master)));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            System.err.println("Cannot delete " + file + ": " + e.getMessage());
        }
    }
}
