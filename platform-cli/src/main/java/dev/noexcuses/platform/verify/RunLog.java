package dev.noexcuses.platform.verify;

import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a producer run was told by the collector: the ids it acknowledged (so they must be in
 * {@code events.raw}) and how many events it rejected (so they must be in {@code events.raw.dlq}).
 * {@code demo} and {@code produce} write one per run under {@code <data-dir>/runs/}; {@code verify}
 * reconciles the topics against them.
 */
public record RunLog(String name, Instant startedAt, Instant finishedAt, Set<String> acceptedIds, long rejected) {
    public static final String DIR = "runs";

    public RunLog {
        acceptedIds = Set.copyOf(acceptedIds);
    }

    public Path write(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIR);
        Files.createDirectories(dir);
        Path file = dir.resolve(startedAt.toString().replace(':', '-') + "-" + name + ".json");
        Files.write(file, Json.toBytes(this));
        return file;
    }

    /** Every run log that overlaps {@code [since, until]}. */
    public static List<RunLog> readAll(Path dataDir, Instant since, Instant until) throws IOException {
        Path dir = dataDir.resolve(DIR);
        List<RunLog> logs = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return logs;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                RunLog log = Json.mapper().readValue(file.toFile(), RunLog.class);
                if (!log.finishedAt().isBefore(since) && !log.startedAt().isAfter(until)) {
                    logs.add(log);
                }
            }
        }
        logs.sort((a, b) -> a.startedAt().compareTo(b.startedAt()));
        return logs;
    }
}
