package dev.noexcuses.platform.sql;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noexcuses.common.json.Json;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Prints a query's result as a table for people, or as CSV or JSON for programs. */
public final class ResultPrinter {
    public enum Format { TABLE, CSV, JSON }

    /** Cells wider than this are cut in the table (CSV and JSON keep them whole). */
    private static final int MAX_CELL = 80;

    private final Format format;
    private final PrintStream out;

    public ResultPrinter(Format format, PrintStream out) {
        this.format = requireNonNull(format, "format is null");
        this.out = requireNonNull(out, "out is null");
    }

    /** Prints every row of {@code rs}; returns how many there were. */
    public long print(ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnLabel(i));
        }
        return switch (format) {
            case TABLE -> table(rs, columns);
            case CSV -> csv(rs, columns);
            case JSON -> json(rs, columns);
        };
    }

    private long table(ResultSet rs, List<String> columns) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        boolean[] numeric = new boolean[columns.size()];
        while (rs.next()) {
            String[] row = new String[columns.size()];
            for (int i = 0; i < row.length; i++) {
                Object value = rs.getObject(i + 1);
                numeric[i] |= value instanceof Number;
                String text = text(value);
                row[i] = text.length() > MAX_CELL ? text.substring(0, MAX_CELL - 1) + "…" : text;
            }
            rows.add(row);
        }
        int[] widths = columns.stream().mapToInt(String::length).toArray();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        out.println(line(columns.toArray(String[]::new), widths, new boolean[columns.size()]));
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        out.println(rule);
        for (String[] row : rows) {
            out.println(line(row, widths, numeric));
        }
        out.printf("(%,d %s)%n", rows.size(), rows.size() == 1 ? "row" : "rows");
        return rows.size();
    }

    private static String line(String[] cells, int[] widths, boolean[] rightAligned) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            line.append(i == 0 ? "" : " | ");
            String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(rightAligned[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
        }
        return line.toString();
    }

    private long csv(ResultSet rs, List<String> columns) throws SQLException {
        out.println(String.join(",", columns.stream().map(ResultPrinter::csvCell).toList()));
        long n = 0;
        while (rs.next()) {
            List<String> cells = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) {
                Object value = rs.getObject(i);
                cells.add(value == null ? "" : csvCell(text(value)));
            }
            out.println(String.join(",", cells));
            n++;
        }
        return n;
    }

    private static String csvCell(String text) {
        return text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")
                ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }

    /** A JSON array with one object per row, keyed by column label. */
    private long json(ResultSet rs, List<String> columns) throws SQLException {
        ArrayNode rows = Json.mapper().createArrayNode();
        while (rs.next()) {
            ObjectNode row = rows.addObject();
            for (int i = 1; i <= columns.size(); i++) {
                Object value = rs.getObject(i);
                if (value == null) {
                    row.putNull(columns.get(i - 1));
                } else if (value instanceof Number || value instanceof Boolean || value instanceof java.util.Map
                        || value instanceof List) {
                    row.set(columns.get(i - 1), Json.mapper().valueToTree(value));
                } else {
                    row.put(columns.get(i - 1), text(value));
                }
            }
        }
        try {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return rows.size();
    }

    private static String text(Object value) throws SQLException {
        if (value == null) {
            return "NULL";
        }
        if (value instanceof Array array) {
            return Arrays.deepToString((Object[]) array.getArray());
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof Double || value instanceof Float) {
            return String.format(Locale.ROOT, "%s", value);
        }
        return value.toString();
    }
}
