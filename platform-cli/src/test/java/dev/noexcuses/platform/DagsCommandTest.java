package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./platform dags as a user types it, against a real PostgreSQL with no scheduler running. */
class DagsCommandTest {
    @TempDir
    Path dataDir;
    private final List<String> connection = new ArrayList<>();

    @BeforeEach
    void freshDatabase() throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "dags_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        connection.addAll(List.of("--data-dir", dataDir.toString(),
                "--set", "postgres.jdbc-url=" + url.substring(0, url.lastIndexOf('/') + 1) + name,
                "--set", "postgres.user=" + shared.get("postgres.user"),
                "--set", "postgres.password=" + shared.get("postgres.password")));
    }

    @Test
    void triggerQueuesADayOnceAndRunsShowsItAndBackfillQueuesTheRangeInDateOrder() throws Exception {
        Output trigger = run("dags", "trigger", "daily_lakehouse", "--date", "2026-11-30");
        assertThat(trigger.code()).isZero();
        assertThat(trigger.out()).contains("Queued daily_lakehouse for 2026-11-30",
                "No scheduler is running on this database: start ./platform up");

        Output again = run("dags", "trigger", "daily_lakehouse", "--date", "2026-11-30");
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("already has a run for 2026-11-30 (queued); re-run it with: "
                + "./platform dags clear daily_lakehouse --date 2026-11-30");

        Output backfill = run("dags", "backfill", "daily_lakehouse", "--from", "2026-11-28", "--to", "2026-11-30", "--no-wait");
        assertThat(backfill.code()).isZero();
        assertThat(backfill.out()).contains("3 run(s) (1 day(s) already had a run, kept as they are)");

        Output runs = run("dags", "runs", "daily_lakehouse", "--json");
        assertThat(runs.code()).isZero();
        // Test logging shares stdout; the document starts at its first line.
        JsonNode json = Json.mapper().readTree(runs.out().substring(runs.out().startsWith("[") ? 0 : runs.out().indexOf("\n[") + 1));
        assertThat(json).extracting(r -> r.get("date").asText() + " " + r.get("run_type").asText() + " " + r.get("state").asText())
                .containsExactly("2026-11-30 manual queued", "2026-11-29 backfill queued", "2026-11-28 backfill queued");

        Output table = run("dags", "runs");
        assertThat(table.out()).contains("daily_lakehouse    2026-11-29 backfill  queued");
    }

    @Test
    void listShowsTheShippedDagAndExportWritesItsAirflowFile() throws Exception {
        Output list = run("dags", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("daily_lakehouse", "30 0 * * * (UTC)",
                "./platform lakehouse run quality --date {{ ds }}", "after sessions; retries 2", "pool spark");

        Path airflow = dataDir.resolve("airflow");
        Output export = run("dags", "export", "--airflow", airflow.toString(), "--platform", "/opt/noexcuses/platform");
        assertThat(export.code()).isZero();
        String file = Files.readString(airflow.resolve("daily_lakehouse.py"));
        assertThat(file).contains("schedule=\"30 0 * * *\"", "\"/opt/noexcuses/platform\"",
                "bash_command=PLATFORM + \" lakehouse run model --date {{ ds }}\"", "quality >> curate", "pool=\"spark\"");
    }

    private record Output(int code, String out, String err) {}

    private Output run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(connection);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Commands.execute(all.toArray(String[]::new));
            return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
