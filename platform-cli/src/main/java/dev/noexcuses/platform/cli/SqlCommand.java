package dev.noexcuses.platform.cli;

import dev.noexcuses.infra.trino.TrinoAccess;
import dev.noexcuses.platform.sql.ResultPrinter;
import dev.noexcuses.platform.sql.SqlScript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform sql "SELECT ..."}: runs SQL on Trino over the lake and prints the result. */
@Command(name = "sql", description = {
        "Run SQL on Trino over the lake (catalog lake, schemas raw, curated, ...) and print the result.",
        "Tables need no catalog prefix: raw.enriched_events. Uses trino.url, else the running platform's Trino."})
final class SqlCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(arity = "0..1", paramLabel = "SQL", description = "The statement(s) to run, separated by ';'.")
    String sql;

    @Option(names = "--file", paramLabel = "FILE", description = "Run the statements in this file instead.")
    Path file;

    @Option(names = "--schema", paramLabel = "SCHEMA", description = "Default schema for unqualified table names, e.g. raw.")
    String schema;

    @ArgGroup(exclusive = true)
    OutputFormat format = new OutputFormat();

    static final class OutputFormat {
        @Option(names = "--csv", description = "Print CSV (header, then one line per row).")
        boolean csv;

        @Option(names = "--json", description = "Print a JSON array with one object per row.")
        boolean json;

        ResultPrinter.Format format() {
            return csv ? ResultPrinter.Format.CSV : json ? ResultPrinter.Format.JSON : ResultPrinter.Format.TABLE;
        }
    }

    @Override
    public Integer call() throws Exception {
        if ((sql == null) == (file == null)) {
            System.err.println("Give either a statement (./platform sql \"SELECT ...\") or --file FILE");
            return 2;
        }
        List<String> statements = SqlScript.statements(sql != null ? sql : Files.readString(file));
        if (statements.isEmpty()) {
            System.err.println("No SQL statement to run");
            return 2;
        }
        TrinoAccess trino = Connections.trino(options);
        ResultPrinter printer = new ResultPrinter(format.format(), System.out);
        try (Connection connection = DriverManager.getConnection(trino.jdbcUrl(), trino.jdbcProperties())) {
            if (schema != null) {
                connection.setSchema(schema);
            }
            for (String statement : statements) {
                if (!run(connection, statement, printer, statements.size() > 1)) {
                    return 1;
                }
            }
        } catch (SQLException e) {
            System.err.println("Cannot connect to Trino at " + trino + ": " + message(e));
            return 1;
        }
        return 0;
    }

    private static boolean run(Connection connection, String statement, ResultPrinter printer, boolean echo) {
        if (echo) {
            System.err.println("> " + statement.lines().findFirst().orElse(""));
        }
        try (Statement s = connection.createStatement()) {
            if (s.execute(statement)) {
                printer.print(s.getResultSet());
            } else {
                System.err.printf("OK (%,d rows changed)%n", Math.max(0, s.getLargeUpdateCount()));
            }
            return true;
        } catch (SQLException e) {
            // Trino's own message says what is wrong and where: "line 1:8: Column 'x' cannot be resolved".
            System.err.println("Query failed: " + message(e));
            return false;
        }
    }

    /** The server's message without the driver's prefix ("Query failed (#20261201_...): "). */
    static String message(SQLException e) {
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        return text.replaceFirst("^Query failed \\(#[^)]*\\):\\s*", "");
    }
}
