package dev.noexcuses.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noexcuses.lakehouse.LakeTestBed.RawEvent;
import dev.noexcuses.lakehouse.parallelism.IcebergInputFiles;
import dev.noexcuses.lakehouse.parallelism.InputLayout;
import dev.noexcuses.lakehouse.runs.JobRun;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parallelism advice and the stage listener on the test JVM's one Spark session: the advised
 * settings reach the session (explicit ones win), the advisor sees the files Iceberg lists for a day,
 * and a real job run's record carries per-stage tasks, task time spread and idle core time.
 */
class SparkParallelismTest {
    private static LakeTestBed lake;

    @BeforeAll
    static void startLake() {
        lake = LakeTestBed.get();
    }

    @Test
    void advisedSettingsReachTheSessionAndExplicitOnesWin() {
        Map<String, String> advised = lake.advice.sparkConf();
        assertThat(advised).containsKeys("spark.default.parallelism", "spark.sql.iceberg.read.split-size");
        for (Map.Entry<String, String> e : advised.entrySet()) {
            String inSession = lake.spark.conf().get(e.getKey());
            if (e.getKey().equals("spark.sql.shuffle.partitions")) {
                assertThat(inSession).as("the test bed's explicit --shuffle-partitions 1 wins").isEqualTo("1");
            } else {
                assertThat(inSession).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(lake.spark.sparkContext().defaultParallelism())
                .isEqualTo(Integer.parseInt(advised.get("spark.default.parallelism")));
    }

    @Test
    void theAdvisorListsTheFilesIcebergPlansForTheDay() {
        lake.load(List.of(
                new RawEvent("p-1", "page_view", "2026-08-03T10:00:00Z", null, "a-p", "{\"url\":\"https://shop.example.com/\"}"),
                new RawEvent("p-2", "page_view", "2026-08-03T11:00:00Z", null, "a-p", "{\"url\":\"https://shop.example.com/\"}")));
        lake.load(List.of(
                new RawEvent("p-3", "page_view", "2026-08-03T12:00:00Z", null, "a-p", "{\"url\":\"https://shop.example.com/\"}")));

        InputLayout layout;
        try (IcebergInputFiles files = new IcebergInputFiles(lake.settings)) {
            layout = files.forJob("curate", List.of(LocalDate.parse("2026-08-03")));
        }

        List<Long> expected = new ArrayList<>();
        for (Row r : lake.rows("SELECT file_size_in_bytes FROM raw.enriched_events.files "
                + "WHERE readable_metrics.event_time.upper_bound >= TIMESTAMP '2026-08-03 00:00:00' "
                + "AND readable_metrics.event_time.lower_bound < TIMESTAMP '2026-08-04 00:00:00'")) {
            expected.add(r.getLong(0));
        }
        assertThat(expected).as("two loads of the day wrote at least two files").hasSizeGreaterThanOrEqualTo(2);
        assertThat(layout.files()).extracting(InputLayout.DataFile::bytes).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(layout.totalBytes()).isEqualTo(expected.stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void aJobRunRecordsTasksTaskTimeSpreadAndIdleCoreTimePerStage() throws Exception {
        LocalDate day = LocalDate.parse("2026-08-10");
        List<RawEvent> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(new RawEvent("st-" + i, "page_view", "2026-08-10T1" + (i % 10) + ":00:00Z", null, "a-st-" + (i % 3),
                    "{\"url\":\"https://shop.example.com/\",\"page_type\":\"home\"}"));
        }
        lake.load(events);

        JobRunner.Report report = lake.run("curate", day);

        assertThat(report.exitCode()).as(lake.output()).isZero();
        JobRun run = report.run("curate", day).orElseThrow();
        JsonNode metrics = storedMetrics(run.runId());
        JsonNode stages = metrics.path("stage_timeline");
        assertThat(stages.size()).as("stages of the curate run").isGreaterThan(0);
        long tasks = 0;
        for (JsonNode s : stages) {
            tasks += s.path("tasks").asLong();
            assertThat(s.path("max_task_ms").asLong()).isGreaterThanOrEqualTo(s.path("median_task_ms").asLong());
            assertThat(s.path("cores").asInt()).as("local[2] holds two cores").isEqualTo(2);
            long expectedIdle = Math.max(0, s.path("cores").asLong() * s.path("wall_ms").asLong() - s.path("task_ms").asLong());
            assertThat(s.path("idle_core_ms").asLong()).isEqualTo(expectedIdle);
        }
        assertThat(tasks).as("the stages' tasks add up to the run's tasks").isEqualTo(metrics.path("tasks").asLong());
        assertThat(metrics.path("idle_core_share").asDouble()).isBetween(0.0, 1.0);
        assertThat(metrics.path("parallelism_settings").path("spark.sql.shuffle.partitions").asText()).isEqualTo("1");
        assertThat(metrics.path("parallelism_settings").path("spark.default.parallelism").asText())
                .isEqualTo(lake.advice.sparkConf().get("spark.default.parallelism"));
    }

    private static JsonNode storedMetrics(String runId) throws Exception {
        try (Connection c = DriverManager.getConnection(lake.settings.catalogUri(), lake.settings.catalogUser(),
                lake.settings.catalogPassword());
             PreparedStatement s = c.prepareStatement("SELECT metrics::text FROM batch_job_runs WHERE run_id = ? LIMIT 1")) {
            s.setString(1, runId);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("run " + runId + " recorded").isTrue();
                return new ObjectMapper().readTree(rs.getString(1));
            }
        }
    }
}
