package dev.noexcuses.lakehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.noexcuses.lakehouse.LakeTestBed.RawEvent;
import dev.noexcuses.lakehouse.runs.JobRun;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lakehouse jobs on real Spark (local), the embedded PostgreSQL catalog and S3. Each test owns
 * its days and its visitors, so the tests do not see each other's rows.
 */
class LakehouseJobsTest {
    private static LakeTestBed lake;

    @BeforeAll
    static void startLake() {
        lake = LakeTestBed.get();
    }

    private static String page(String type) {
        return "{\"url\":\"https://shop.example.com/" + type + "\",\"page_type\":\"" + type + "\"}";
    }

    /**
     * The hand-computed day 2026-10-05 (times UTC):
     * visitor a-1 browses anonymously from 10:00, logs in as u-1 at 10:15, buys at 10:25, and comes
     * back anonymously at 10:55 (exactly 30 minutes later: a new session, still u-1);
     * visitor a-2 never logs in: 09:00 and 09:29:59 (one session), 11:00 (another);
     * u-3 on a-3 at 23:50, and again at 00:05 the next day (midnight ends the session).
     * One of a-2's events arrived twice.
     */
    private static List<RawEvent> handComputedDay() {
        return List.of(
                new RawEvent("e-101", "page_view", "2026-10-05T10:00:00Z", null, "a-1", page("home")),
                new RawEvent("e-102", "product_view", "2026-10-05T10:10:00Z", null, "a-1", "{\"product_id\":\"P0001\"}"),
                new RawEvent("e-103", "login", "2026-10-05T10:15:00Z", "u-1", "a-1", "{\"method\":\"password\",\"success\":true}"),
                new RawEvent("e-104", "add_to_cart", "2026-10-05T10:20:00Z", "u-1", "a-1",
                        "{\"product_id\":\"P0001\",\"quantity\":2,\"price\":98.86}"),
                new RawEvent("e-105", "purchase", "2026-10-05T10:25:00Z", "u-1", "a-1",
                        "{\"order_id\":\"o-1\",\"value\":197.72,\"currency\":\"EUR\",\"payment_method\":\"card\","
                                + "\"items\":[{\"product_id\":\"P0001\",\"quantity\":2,\"price\":98.86}]}"),
                new RawEvent("e-106", "page_view", "2026-10-05T10:55:00Z", null, "a-1", page("category")),
                new RawEvent("e-201", "page_view", "2026-10-05T09:00:00Z", null, "a-2", page("home")),
                new RawEvent("e-201", "page_view", "2026-10-05T09:00:00Z", null, "a-2", page("home"))
                        .receivedAt("2026-10-05T09:05:00Z"),
                new RawEvent("e-202", "page_view", "2026-10-05T09:29:59Z", null, "a-2", page("search")),
                new RawEvent("e-203", "page_view", "2026-10-05T11:00:00Z", null, "a-2", page("product")),
                new RawEvent("e-301", "page_view", "2026-10-05T23:50:00Z", "u-3", "a-3", page("home")),
                new RawEvent("e-302", "page_view", "2026-10-06T00:05:00Z", "u-3", "a-3", page("cart")));
    }

    @Test
    void buildsExactSessionsAndKpisOfAHandComputedDay() {
        lake.load(handComputedDay());
        LocalDate day = LocalDate.parse("2026-10-05");

        JobRunner.Report report = lake.run("all", day, day.plusDays(1));

        assertThat(report.exitCode()).as(lake.output()).isZero();
        assertThat(report.run("curate", day).orElseThrow().rowsIn()).isEqualTo(11);
        assertThat(report.run("curate", day).orElseThrow().rowsOut()).isEqualTo(10);
        List<String> sessions = lake.rows("SELECT user_key, session_start, session_end, events, page_views, "
                        + "landing_page, converted, revenue FROM curated.sessions WHERE event_date = DATE '2026-10-05' "
                        + "ORDER BY session_start").stream().map(Row::toString).toList();
        assertThat(sessions).containsExactly(
                "[a-2,2026-10-05 09:00:00.0,2026-10-05 09:29:59.0,2,2,https://shop.example.com/home,false,0.0]",
                "[u-1,2026-10-05 10:00:00.0,2026-10-05 10:25:00.0,5,1,https://shop.example.com/home,true,197.72]",
                "[u-1,2026-10-05 10:55:00.0,2026-10-05 10:55:00.0,1,1,https://shop.example.com/category,false,0.0]",
                "[a-2,2026-10-05 11:00:00.0,2026-10-05 11:00:00.0,1,1,https://shop.example.com/product,false,0.0]",
                "[u-3,2026-10-05 23:50:00.0,2026-10-05 23:50:00.0,1,1,https://shop.example.com/home,false,0.0]");
        assertThat(lake.rows("SELECT count(*) FROM curated.sessions WHERE event_date = DATE '2026-10-06'").get(0).getLong(0))
                .as("the visit across midnight is two sessions").isEqualTo(1);

        Row kpi = lake.rows("SELECT events, active_users, new_users, sessions, converted_sessions, conversion_rate, "
                + "orders, revenue, average_order_value FROM curated.daily_kpis WHERE event_date = DATE '2026-10-05'").get(0);
        assertThat(kpi.getLong(0)).as("events after deduplication").isEqualTo(10);
        assertThat(kpi.getLong(1)).as("active users u-1, a-2, u-3").isEqualTo(3);
        assertThat(kpi.getLong(2)).as("new users").isEqualTo(3);
        assertThat(kpi.getLong(3)).as("sessions").isEqualTo(5);
        assertThat(kpi.getLong(4)).as("converted sessions").isEqualTo(1);
        assertThat(kpi.getDouble(5)).as("conversion rate").isCloseTo(0.2, within(1e-9));
        assertThat(kpi.getLong(6)).as("orders").isEqualTo(1);
        assertThat(kpi.getDouble(7)).as("revenue").isCloseTo(197.72, within(1e-9));
        assertThat(kpi.getDouble(8)).as("average order value").isCloseTo(197.72, within(1e-9));

        assertThat(lake.rows("SELECT order_id, line_number, product_id, product_category, quantity, line_value "
                + "FROM curated.fact_order_items WHERE event_date = DATE '2026-10-05'").stream().map(Row::toString).toList())
                .containsExactly("[o-1,1,P0001,shoes,2,197.72]");
        assertThat(lake.rows("SELECT count(*) FROM curated.fact_page_views WHERE event_date = DATE '2026-10-05'")
                .get(0).getLong(0)).isEqualTo(6);
    }

    @Test
    void stitchesAnonymousEventsOfTheLoginSessionAndAfterToTheUser() {
        lake.load(List.of(
                new RawEvent("s-1", "page_view", "2026-09-01T08:00:00Z", null, "a-40", page("home")),
                new RawEvent("s-2", "page_view", "2026-09-01T12:00:00Z", null, "a-40", page("product")),
                new RawEvent("s-3", "login", "2026-09-01T12:05:00Z", "u-40", "a-40", "{\"method\":\"google\",\"success\":true}"),
                new RawEvent("s-4", "page_view", "2026-09-01T18:00:00Z", null, "a-40", page("cart")),
                new RawEvent("s-5", "page_view", "2026-09-02T09:00:00Z", null, "a-40", page("home"))));

        assertThat(lake.run("all", LocalDate.parse("2026-09-01"), LocalDate.parse("2026-09-02")).exitCode()).isZero();

        assertThat(lake.rows("SELECT event_id, user_key, stitched FROM curated.events WHERE anonymous_id = 'a-40' "
                + "ORDER BY event_time").stream().map(Row::toString).toList()).containsExactly(
                "[s-1,a-40,false]",   // a session before the login stays anonymous
                "[s-2,u-40,true]",    // earlier in the login's session
                "[s-3,u-40,false]",
                "[s-4,u-40,true]",    // a later session
                "[s-5,u-40,true]");   // the next day, from curated.identity_map
    }

    @Test
    void keepsOneRowPerEventIdAcrossDays() {
        // A client re-sent e-500 a day later with a new clock reading; same id, so the same event.
        lake.load(List.of(
                new RawEvent("e-500", "page_view", "2026-08-10T10:00:00Z", null, "a-50", page("home")),
                new RawEvent("e-501", "page_view", "2026-08-11T10:00:00Z", null, "a-50", page("home")),
                new RawEvent("e-500", "page_view", "2026-08-11T10:01:00Z", null, "a-50", page("home"))));

        assertThat(lake.run("all", LocalDate.parse("2026-08-10")).exitCode()).isZero();
        assertThat(lake.run("all", LocalDate.parse("2026-08-11")).exitCode()).isZero();

        assertThat(lake.rows("SELECT event_id, event_date FROM curated.events WHERE anonymous_id = 'a-50' ORDER BY event_id")
                .stream().map(Row::toString).toList()).containsExactly("[e-500,2026-08-10]", "[e-501,2026-08-11]");
        // Rebuilding the first day again does not bring a second copy either.
        assertThat(lake.run("all", LocalDate.parse("2026-08-10"), LocalDate.parse("2026-08-11")).exitCode()).isZero();
        assertThat(lake.rows("SELECT count(*) FROM curated.events WHERE event_id = 'e-500'").get(0).getLong(0)).isEqualTo(1);
    }

    @Test
    void aSecondRunOfTheSameDayGivesIdenticalTables() {
        lake.load(List.of(
                new RawEvent("i-1", "page_view", "2026-07-20T10:00:00Z", null, "a-60", page("home")),
                new RawEvent("i-2", "login", "2026-07-20T10:01:00Z", "u-60", "a-60", "{\"method\":\"apple\",\"success\":true}"),
                new RawEvent("i-3", "purchase", "2026-07-20T10:02:00Z", "u-60", "a-60",
                        "{\"order_id\":\"o-60\",\"value\":10.5,\"currency\":\"EUR\",\"items\":[{\"product_id\":\"P0002\","
                                + "\"quantity\":1,\"price\":10.5}]}")));
        LocalDate day = LocalDate.parse("2026-07-20");
        assertThat(lake.run("all", day).exitCode()).isZero();
        List<String> first = snapshot(day);

        assertThat(lake.run("all", day).exitCode()).isZero();

        assertThat(snapshot(day)).isEqualTo(first);
        assertThat(first).anyMatch(r -> r.startsWith("events:3"));
    }

    private static List<String> snapshot(LocalDate day) {
        String d = "DATE '" + day + "'";
        return List.of(
                "events:" + lake.rows("SELECT count(*) FROM curated.events WHERE event_date = " + d).get(0).getLong(0),
                lake.rows("SELECT * FROM curated.events WHERE event_date = " + d + " ORDER BY event_id").stream()
                        .map(Row::toString).collect(Collectors.joining("\n")),
                lake.rows("SELECT * FROM curated.sessions WHERE event_date = " + d + " ORDER BY session_id").stream()
                        .map(Row::toString).collect(Collectors.joining("\n")),
                lake.rows("SELECT * FROM curated.fact_orders WHERE event_date = " + d).stream()
                        .map(Row::toString).collect(Collectors.joining("\n")),
                lake.rows("SELECT * FROM curated.fact_order_items WHERE event_date = " + d).stream()
                        .map(Row::toString).collect(Collectors.joining("\n")),
                lake.rows("SELECT * FROM curated.daily_kpis WHERE event_date = " + d).stream()
                        .map(Row::toString).collect(Collectors.joining("\n")));
    }

    @Test
    void aDayOfAnEarlierMultiDayRunIsRebuiltAloneAndTheRangeAgain() {
        lake.load(List.of(
                new RawEvent("m-1", "login", "2026-03-10T10:00:00Z", "u-95", "a-95", "{\"method\":\"password\",\"success\":true}"),
                new RawEvent("m-2", "login", "2026-03-11T10:00:00Z", "u-96", "a-96", "{\"method\":\"password\",\"success\":true}"),
                new RawEvent("m-3", "page_view", "2026-03-12T10:00:00Z", null, "a-97", page("home"))));
        LocalDate first = LocalDate.parse("2026-03-10");
        LocalDate last = first.plusDays(2);
        assertThat(lake.run("all", first, last).exitCode()).as(lake.output()).isZero();

        // The identity map and the KPIs of the three days were written together; one day is replaced alone.
        assertThat(lake.run("all", first.plusDays(1)).exitCode()).as(lake.output()).isZero();
        assertThat(lake.run("all", first, last).exitCode()).as(lake.output()).isZero();

        assertThat(lake.rows("SELECT event_date, events FROM curated.daily_kpis WHERE event_date BETWEEN DATE '2026-03-10' "
                + "AND DATE '2026-03-12' ORDER BY 1").stream().map(Row::toString).toList())
                .containsExactly("[2026-03-10,1]", "[2026-03-11,1]", "[2026-03-12,1]");
        assertThat(lake.rows("SELECT anonymous_id, user_id, linked_date FROM curated.identity_map "
                + "WHERE anonymous_id IN ('a-95', 'a-96') ORDER BY 1").stream().map(Row::toString).toList())
                .containsExactly("[a-95,u-95,2026-03-10]", "[a-96,u-96,2026-03-11]");
    }

    @Test
    void rebuildsADayWhoseRawRowsArrivedAfterItsLastBuild() {
        LocalDate day = LocalDate.parse("2026-06-01");
        lake.load(List.of(new RawEvent("l-1", "page_view", "2026-06-01T10:00:00Z", null, "a-70", page("home"))));
        assertThat(lake.run("all", day).exitCode()).isZero();
        lake.load(List.of(new RawEvent("l-2", "page_view", "2026-06-02T10:00:00Z", null, "a-70", page("home"))));
        // A late event of the first day, loaded after its build.
        lake.load(List.of(new RawEvent("l-3", "page_view", "2026-06-01T22:00:00Z", null, "a-70", page("cart"))
                .receivedAt("2026-06-02T10:30:00Z")));

        JobRunner.Report next = lake.run("all", day.plusDays(1));

        assertThat(next.run("curate", day)).as("the late day is rebuilt too").isPresent();
        assertThat(lake.rows("SELECT event_id FROM curated.events WHERE event_date = DATE '2026-06-01' ORDER BY event_id")
                .stream().map(r -> r.getString(0)).toList()).containsExactly("l-1", "l-3");
        assertThat(lake.rows("SELECT sessions FROM curated.daily_kpis WHERE event_date = DATE '2026-06-01'")
                .get(0).getLong(0)).isEqualTo(2);
    }

    @Test
    void aDayFailingAnErrorCheckStopsItsDownstreamJobsAndSaysWhy() {
        LocalDate bad = LocalDate.parse("2026-05-10");
        LocalDate good = bad.plusDays(1);
        lake.load(List.of(
                new RawEvent("b-1", "add_to_cart", "2026-05-10T10:00:00Z", null, "a-80",
                        "{\"product_id\":\"P0001\",\"quantity\":1,\"price\":-3.5}"),
                new RawEvent("b-2", "page_view", "2026-05-11T10:00:00Z", null, "a-80", page("home"))));

        JobRunner.Report report = lake.run("all", bad, good);

        assertThat(report.exitCode()).isEqualTo(JobRunner.QUALITY_FAILED);
        JobRun quality = report.run("quality", bad).orElseThrow();
        assertThat(quality.status()).isEqualTo(JobRun.Status.FAILED);
        assertThat(quality.message()).contains("values_in_range").contains("observed 1");
        for (String job : List.of("curate", "sessions", "model")) {
            JobRun skipped = report.run(job, bad).orElseThrow();
            assertThat(skipped.status()).isEqualTo(JobRun.Status.SKIPPED);
            assertThat(skipped.message()).contains("values_in_range");
            assertThat(report.run(job, good).orElseThrow().status()).isEqualTo(JobRun.Status.SUCCEEDED);
        }
        assertThat(lake.rows("SELECT status FROM quality.check_results WHERE partition_date = DATE '2026-05-10' "
                + "AND check_name = 'values_in_range'").get(0).getString(0)).isEqualTo("fail");
        assertThat(lake.rows("SELECT count(*) FROM curated.events WHERE event_date = DATE '2026-05-10'").get(0).getLong(0))
                .isZero();
        assertThat(lake.output()).contains("2026-05-10 not run: quality failed");
        // Run alone, a downstream job still refuses the day, from the run history.
        assertThat(lake.run("curate", bad).run("curate", bad).orElseThrow().status()).isEqualTo(JobRun.Status.SKIPPED);
    }
}
