package dev.noexcuses.producers.replay;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.csv.CsvRows;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.producers.sdk.Delivery;
import dev.noexcuses.producers.sdk.EventClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replays a file of events into the collector: JSON Lines (one event per line) or CSV with a header
 * naming the envelope's fields ({@code event_id,schema,event_time,source,user_id,anonymous_id,data},
 * {@code data} holding a JSON object). Lines that cannot be read are reported with their number.
 */
public final class FileReplay {
    /** The outcome of a replay. */
    public record Summary(long lines, long sent, long accepted, long rejected, long failed, List<String> unreadable,
                          java.util.Set<String> acceptedIds) {}

    private final EventClient client;
    private final PrintStream progress;

    public FileReplay(EventClient client, PrintStream progress) {
        this.client = requireNonNull(client, "client is null");
        this.progress = progress;
    }

    public Summary replay(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean csv = name.endsWith(".csv");
        if (!csv && !name.endsWith(".jsonl") && !name.endsWith(".ndjson") && !name.endsWith(".json")) {
            throw new IllegalArgumentException("Unsupported file " + file + ": expected .jsonl, .ndjson or .csv");
        }
        long totalBytes = Math.max(1, Files.size(file));
        AtomicLong accepted = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> unreadable = new ArrayList<>();
        java.util.Set<String> acceptedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<CompletableFuture<Delivery>> outstanding = new ArrayList<>();
        long lines = 0;
        long sent = 0;
        long bytesRead = 0;
        long nextReport = System.nanoTime() + 1_000_000_000L;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            EventSource events = csv ? new CsvEvents(reader) : new JsonLines(reader);
            for (Entry entry; (entry = events.next()) != null; ) {
                lines = entry.line();
                bytesRead = entry.bytesRead();
                if (entry.error() != null) {
                    unreadable.add("line " + entry.line() + ": " + firstLine(entry.error()));
                    continue;
                }
                sent++;
                outstanding.add(client.send(entry.event()).whenComplete((d, t) -> {
                    if (d == null || d.outcome() == Delivery.Outcome.FAILED) {
                        failed.incrementAndGet();
                    } else if (d.outcome() == Delivery.Outcome.ACCEPTED) {
                        accepted.incrementAndGet();
                        if (d.eventId() != null) {
                            acceptedIds.add(d.eventId());
                        }
                    } else {
                        rejected.incrementAndGet();
                    }
                }));
                if (outstanding.size() > 10_000) {
                    outstanding.removeIf(CompletableFuture::isDone);
                }
                if (progress != null && System.nanoTime() > nextReport) {
                    nextReport += 1_000_000_000L;
                    progress.printf("  %s: %,d lines (%.0f%%), sent %,d, accepted %,d, rejected %,d%n",
                            file.getFileName(), lines, Math.min(100.0, 100.0 * bytesRead / totalBytes), sent,
                            accepted.get(), rejected.get());
                }
            }
            lines = Math.max(lines, events.lines());
        }
        client.flush();
        CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new)).join();
        return new Summary(lines, sent, accepted.get(), rejected.get(), failed.get(), List.copyOf(unreadable),
                java.util.Set.copyOf(acceptedIds));
    }

    /** An event read from the file, or why the record at {@code line} could not be read. */
    private record Entry(long line, long bytesRead, ObjectNode event, String error) {}

    private interface EventSource {
        /** The next record, or null at the end. */
        Entry next() throws IOException;

        /** Lines read so far. */
        long lines();
    }

    /** JSON Lines: one event object per line. */
    private static final class JsonLines implements EventSource {
        private final BufferedReader reader;
        private long line;
        private long bytes;

        JsonLines(BufferedReader reader) {
            this.reader = reader;
        }

        @Override
        public Entry next() throws IOException {
            for (String text; (text = reader.readLine()) != null; ) {
                line++;
                bytes += text.length() + 1;
                if (text.isBlank()) {
                    continue;
                }
                try {
                    JsonNode node = Json.mapper().readTree(text);
                    if (!(node instanceof ObjectNode object)) {
                        return new Entry(line, bytes, null, "not a JSON object");
                    }
                    return new Entry(line, bytes, object, null);
                } catch (IOException | RuntimeException e) {
                    return new Entry(line, bytes, null, e.getMessage());
                }
            }
            return null;
        }

        @Override
        public long lines() {
            return line;
        }
    }

    /** CSV with a header row naming the envelope's fields; a quoted field may span lines. */
    private static final class CsvEvents implements EventSource {
        private final CsvRows rows;
        private List<String> header;
        private long line;
        private boolean broken;

        CsvEvents(BufferedReader reader) {
            this.rows = CsvRows.read(reader);
        }

        @Override
        public Entry next() {
            while (!broken) {
                CsvRows.Row row;
                try {
                    java.util.Optional<CsvRows.Row> next = rows.next();
                    if (next.isEmpty()) {
                        return null;
                    }
                    row = next.get();
                } catch (IllegalArgumentException e) {
                    // Malformed CSV (an unterminated quote) ends the file: nothing after it can be trusted.
                    broken = true;
                    return new Entry(line + 1, 0, null, e.getMessage());
                }
                line = row.line();
                if (header == null) {
                    header = row.cells();
                    continue;
                }
                try {
                    return new Entry(row.line(), rows.charsRead(), Csv.toEvent(header, row.cells()), null);
                } catch (RuntimeException e) {
                    return new Entry(row.line(), rows.charsRead(), null, e.getMessage());
                }
            }
            return null;
        }

        @Override
        public long lines() {
            return line;
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
