package dev.noexcuses.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.lakehouse.LakeTestBed.RawEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The experiments job on real Spark over a hand-computed set of exposures and outcomes (its own
 * experiment name and users, so no other test's rows count).
 */
class ExperimentOutcomesTest {
    private static LakeTestBed lake;

    @BeforeAll
    static void startLake() {
        lake = LakeTestBed.get();
    }

    private static RawEvent exposure(String id, String time, String user, String arm, boolean ok, double latencyMs) {
        return new RawEvent(id, "experiment_exposure", time, user, null, "{\"experiment\":\"exp-hand\",\"arm\":\"" + arm
                + "\",\"model\":\"churn\",\"version\":\"" + (arm.equals("control") ? "1" : "2") + "\",\"ok\":" + ok
                + ",\"latency_ms\":" + latencyMs + "}");
    }

    private static RawEvent purchase(String id, String time, String user, double value) {
        return new RawEvent(id, "purchase", time, user, null, "{\"order_id\":\"o-" + id + "\",\"value\":" + value
                + ",\"currency\":\"EUR\",\"payment_method\":\"card\",\"items\":[{\"product_id\":\"P0001\",\"quantity\":1,"
                + "\"price\":" + value + "}]}");
    }

    private static RawEvent pageView(String id, String time, String user) {
        return new RawEvent(id, "page_view", time, user, null, "{\"url\":\"https://shop.example.com/\",\"page_type\":\"home\"}");
    }

    /**
     * As of 2026-08-20, churn window 7 days:
     * xu-1 control, exposed 08-10 10:00 twice (one failed prediction), buys 100 at 11:00, back on 08-12: converted, not churned;
     * xu-2 control, exposed 08-10 09:00, bought at 08:00 (before: not counted), never back: not converted, churned;
     * xu-3 treatment, exposed 08-11, buys 50 then 30 on 08-15: converted, revenue 80, not churned;
     * xu-4 treatment, exposed 08-18: too recent to judge churn;
     * xu-5 in both arms (which sticky assignment never does): left out. One exposure arrived twice.
     */
    private static List<RawEvent> handComputed() {
        List<RawEvent> events = new ArrayList<>(List.of(
                exposure("x-1", "2026-08-10T10:00:00Z", "xu-1", "control", true, 10),
                exposure("x-2", "2026-08-10T10:05:00Z", "xu-1", "control", false, 40),
                purchase("x-3", "2026-08-10T11:00:00Z", "xu-1", 100),
                pageView("x-4", "2026-08-12T09:00:00Z", "xu-1"),
                purchase("x-5", "2026-08-10T08:00:00Z", "xu-2", 70),
                exposure("x-6", "2026-08-10T09:00:00Z", "xu-2", "control", true, 12),
                exposure("x-7", "2026-08-11T12:00:00Z", "xu-3", "treatment", true, 20),
                purchase("x-8", "2026-08-11T12:30:00Z", "xu-3", 50),
                purchase("x-9", "2026-08-15T12:30:00Z", "xu-3", 30),
                exposure("x-10", "2026-08-18T12:00:00Z", "xu-4", "treatment", true, 30),
                exposure("x-11", "2026-08-12T12:00:00Z", "xu-5", "control", true, 10),
                exposure("x-12", "2026-08-12T12:01:00Z", "xu-5", "treatment", true, 10)));
        events.add(exposure("x-7", "2026-08-11T12:00:00Z", "xu-3", "treatment", true, 20).receivedAt("2026-08-11T12:03:00Z"));
        return events;
    }

    @Test
    void computesEachArmsConversionRevenueChurnAndGuardrailsAndARerunGivesTheSameRows() throws Exception {
        lake.load(handComputed());
        LocalDate asOf = LocalDate.parse("2026-08-20");
        assertThat(lake.run("curate", LocalDate.parse("2026-08-10"), LocalDate.parse("2026-08-11"),
                LocalDate.parse("2026-08-12"), LocalDate.parse("2026-08-15"), LocalDate.parse("2026-08-18")).exitCode())
                .as(lake.output()).isZero();

        JobRunner.Report report = lake.run("experiments", asOf);

        assertThat(report.exitCode()).as(lake.output()).isZero();
        assertThat(report.run("experiments", asOf).orElseThrow().message()).contains("1 users seen in two arms left out");
        String query = "SELECT arm, users, conversions, revenue_sum, revenue_sum_squares, churn_eligible, churned, requests, "
                + "errors FROM curated.experiment_outcomes WHERE experiment = 'exp-hand' AND as_of_date = DATE '2026-08-20' ORDER BY arm";
        List<String> rows = lake.rows(query).stream().map(Row::toString).toList();
        assertThat(rows).containsExactly(
                "[control,2,1,100.0,10000.0,2,1,3,1]",
                "[treatment,2,1,80.0,6400.0,1,0,2,0]");
        double p99 = lake.rows("SELECT latency_p99_ms FROM curated.experiment_outcomes WHERE experiment = 'exp-hand' "
                + "AND as_of_date = DATE '2026-08-20' AND arm = 'control'").get(0).getDouble(0);
        assertThat(p99).isEqualTo(40.0);

        assertThat(lake.run("experiments", asOf).exitCode()).isZero();
        assertThat(lake.rows(query).stream().map(Row::toString).toList()).as("a re-run replaces the day's rows").isEqualTo(rows);
        // Mirrored for the serving gateway's report.
        try (Connection c = DriverManager.getConnection(lake.settings.catalogUri(), lake.settings.catalogUser(),
                lake.settings.catalogPassword());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT arm, users, conversions, revenue_sum, churn_eligible, churned, errors "
                     + "FROM public.experiment_outcomes WHERE experiment = 'exp-hand' AND as_of = DATE '2026-08-20' ORDER BY arm")) {
            List<String> mirrored = new ArrayList<>();
            while (rs.next()) {
                mirrored.add(rs.getString(1) + "," + rs.getLong(2) + "," + rs.getLong(3) + "," + rs.getDouble(4) + ","
                        + rs.getLong(5) + "," + rs.getLong(6) + "," + rs.getLong(7));
            }
            assertThat(mirrored).containsExactly("control,2,1,100.0,2,1,1", "treatment,2,1,80.0,1,0,0");
        }
        // Where the time went, per job stage (in the test's output file).
        System.out.println(lake.output());
    }
}
