package dev.noexcuses.lakehouse.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeTestBed;
import dev.noexcuses.lakehouse.LakeTestBed.RawEvent;
import dev.noexcuses.lakehouse.LakehouseMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job host on the test JVM's Spark session: real lakehouse jobs handed to it over HTTP, as
 * {@code ./platform} hands them, their output streamed back and the session reset after each.
 */
class JobHostTest {
    private static final LocalDate DAY = LocalDate.parse("2026-09-14");
    private static final String TOKEN = "job-host-test-token";
    private static LakeTestBed lake;
    private static JobOutput output;
    private static JobHost host;
    @TempDir
    static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        lake = LakeTestBed.get();
        lake.load(List.of(
                new RawEvent("h-1", "page_view", "2026-09-14T10:00:00Z", null, "ha-1",
                        "{\"url\":\"https://shop.example.com/home\",\"page_type\":\"home\"}"),
                new RawEvent("h-2", "page_view", "2026-09-14T10:05:00Z", "hu-1", "ha-1",
                        "{\"url\":\"https://shop.example.com/cart\",\"page_type\":\"cart\"}")));
        output = JobOutput.install();
        host = JobHost.listen(TOKEN, Set.of(LakehouseMain.class.getName()), 0);
        host.serve(new SharedSession(lake.spark, System.out), output);
        new HostState(host.url(), ProcessHandle.current().pid(), TOKEN, lake.settings.master())
                .write(HostState.file(dataDir));
    }

    @AfterAll
    static void stop() {
        host.close();
        output.uninstall();
    }

    /** What a job prints, and its exit code. */
    record Outcome(int exitCode, String out, String err) {}

    private static Outcome run(String... jobArguments) throws Exception {
        List<String> args = new ArrayList<>(List.of(jobArguments));
        JobSettings s = lake.settings;
        args.addAll(List.of("--catalog-uri", s.catalogUri(), "--catalog-user", s.catalogUser(),
                "--warehouse", s.warehouse(), "--s3-endpoint", s.s3Endpoint(), "--master", s.master(), "--ui-port", "-1"));
        Map<String, String> env = Map.of(JobSettings.CATALOG_PASSWORD_ENV, s.catalogPassword(),
                JobSettings.S3_ACCESS_KEY_ENV, s.s3AccessKey(), JobSettings.S3_SECRET_KEY_ENV, s.s3SecretKey());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        JobHostClient client = JobHostClient.find(dataDir).orElseThrow();
        int code = client.run(LakehouseMain.class.getName(), args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runsJobsOnItsOneSessionStreamingBackTheirOutputAndExitCodesWithoutNewCatalogConnections() throws Exception {
        Outcome quality = run("quality", "--date", DAY.toString());
        assertThat(quality.exitCode()).as(quality::toString).isZero();
        assertThat(quality.out()).contains("[quality] " + DAY, "[quality] done in");
        // A session per job would open a catalog, and its connection pool, per job.
        long connections = catalogConnections();

        Outcome curate = run("curate", "--date", DAY.toString());
        assertThat(curate.exitCode()).as(curate::toString).isZero();
        assertThat(lake.rows("SELECT event_id FROM curated.events WHERE event_date = DATE '" + DAY + "'"))
                .extracting(r -> r.getString(0)).containsExactlyInAnyOrder("h-1", "h-2");
        assertThat(lake.spark.sparkContext().isStopped()).isFalse();

        Outcome wrong = run("curate");
        assertThat(wrong.exitCode()).as(wrong::toString).isEqualTo(1);
        assertThat(wrong.err()).contains("Lakehouse job curate failed", "--from");
        assertThat(catalogConnections()).isEqualTo(connections);
    }

    @Test
    void aJobsSettingsAndTemporaryViewsDoNotOutliveIt() throws Exception {
        lake.spark.range(1).createOrReplaceTempView("left_by_someone");
        String partitions = lake.spark.conf().get("spark.sql.shuffle.partitions");
        // curate works through temporary views (raw_days, deduplicated, parsed ...).
        Outcome sessions = run("curate", "--date", DAY.toString(), "--conf", "spark.sql.shuffle.partitions=7",
                "--conf", "spark.executor.cores=5");
        assertThat(sessions.exitCode()).as(sessions::toString).isZero();
        assertThat(sessions.out()).contains("keep the host's values: spark.executor.cores");
        assertThat(lake.spark.conf().get("spark.sql.shuffle.partitions")).isEqualTo(partitions);
        assertThat(lake.spark.catalog().listTables("spark_catalog.default").collectAsList()).noneMatch(t -> t.isTemporary());
    }

    @Test
    void refusesAWrongTokenAndEntryPointsItWasNotStartedWith() throws Exception {
        Path other = Files.createTempDirectory("job-host");
        new HostState(host.url(), ProcessHandle.current().pid(), "not-the-token", lake.settings.master())
                .write(HostState.file(other));
        JobHostClient wrongToken = JobHostClient.find(other).orElseThrow();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> wrongToken.run(LakehouseMain.class.getName(), List.of("quality"), Map.of(), sink, sink))
                .isInstanceOf(JobHostClient.NotTaken.class).hasMessageContaining("401");
        JobHostClient client = JobHostClient.find(dataDir).orElseThrow();
        assertThatThrownBy(() -> client.run("java.lang.Runtime", List.of("exec"), Map.of(), sink, sink))
                .isInstanceOf(JobHostClient.NotTaken.class).hasMessageContaining("400");
    }

    private static long catalogConnections() throws Exception {
        JobSettings s = lake.settings;
        try (Connection c = DriverManager.getConnection(s.catalogUri(), s.catalogUser(), s.catalogPassword());
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
