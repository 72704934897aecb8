package dev.noexcuses.common.csv;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/**
 * CSV read row by row with jackson-dataformat-csv (RFC 4180: quoted fields, doubled quotes, commas and
 * line breaks inside quoted fields): the platform's one CSV reader, for file replay and the product
 * catalogue. Each row comes with the line it starts on, for error messages.
 */
public final class CsvRows implements Closeable {
    // Without a schema, WRAP_AS_ARRAY makes each row an array of its cells, whatever their number.
    private static final CsvMapper MAPPER = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES).build();

    private final MappingIterator<String[]> rows;

    /** One row: its cells as written (unquoted), and the line of the input it starts on (1 is the first). */
    public record Row(long line, List<String> cells) {
        public Row {
            cells = List.copyOf(cells);
        }
    }

    private CsvRows(MappingIterator<String[]> rows) {
        this.rows = rows;
    }

    public static CsvRows read(Reader reader) {
        requireNonNull(reader, "reader is null");
        try {
            return new CsvRows(MAPPER.readerFor(String[].class).readValues(reader));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read CSV: " + e.getMessage(), e);
        }
    }

    /**
     * The next row, or empty at the end.
     *
     * @throws IllegalArgumentException naming the line when the input is not valid CSV (an unterminated quote)
     */
    public Optional<Row> next() {
        long line = rows.getCurrentLocation().getLineNr();
        try {
            if (!rows.hasNextValue()) {
                return Optional.empty();
            }
            line = rows.getCurrentLocation().getLineNr();
            return Optional.of(new Row(line, List.of(rows.nextValue())));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Invalid CSV at line " + line + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Characters read so far, for progress reports. */
    public long charsRead() {
        return Math.max(0, rows.getCurrentLocation().getCharOffset());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() throws IOException {
        rows.close();
    }
}
