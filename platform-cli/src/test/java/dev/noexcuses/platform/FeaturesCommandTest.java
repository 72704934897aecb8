package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/** ./platform features as a user types it: the definitions, online reads from a real Redis, the DAG's first task. */
class FeaturesCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void listAndDescribeShowTheViewsDefinedInCode() throws Exception {
        Output list = run("features", "list");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("user_activity", "curated.sessions", "user_cart", "curated.events", "3d", "30h",
                "growth-analytics");

        Output describe = run("features", "describe", "user_cart");
        assertThat(describe.code()).isZero();
        assertThat(describe.out()).contains("cart_abandonment_rate_7d", "double", "count(distinct session_id) where "
                + "event_type = add_to_cart", "features.user_cart", "fs:user:<user_key>");
        JsonNode json = Json.mapper().readTree(run("features", "describe", "user_activity", "--json").out());
        assertThat(json.get("ttl_seconds").asLong()).isEqualTo(3 * 86400);
        assertThat(json.get("features")).anySatisfy(f -> assertThat(f.get("name").asText()).isEqualTo("revenue_30d"));

        Output unknown = run("features", "describe", "user_wishes");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("No feature view named 'user_wishes'", "user_activity", "user_cart");
    }

    @Test
    void getReadsTheOnlineValuesWithTheirAgeAndStatus() {
        Map<String, String> redis = SharedLocalInfra.get("redis").serviceOverrides();
        String user = "cli-" + UUID.randomUUID();
        long featureTime = Instant.now().minusSeconds(3600).toEpochMilli();
        HostAndPort at = HostAndPort.from(redis.get("redis.url").substring("redis://".length()));
        try (Jedis jedis = new Jedis(at, DefaultJedisClientConfig.builder().password(redis.get("redis.password")).build())) {
            jedis.hset("fs:user:" + user, Map.of("user_activity:_feature_time", String.valueOf(featureTime),
                    "user_activity:sessions_7d", "4"));
        }
        Output get = run("features", "get", user, "--features", "user_activity:sessions_7d,user_cart:cart_adds_1d",
                "--set", "redis.url=" + redis.get("redis.url"), "--set", "redis.password=" + redis.get("redis.password"));
        assertThat(get.code()).as(get.err()).isZero();
        assertThat(get.out()).containsPattern("user_activity:sessions_7d\\s+4\\s+fresh\\s+age 1h")
                .containsPattern("user_cart:cart_adds_1d\\s+-\\s+missing");
    }

    @Test
    void awaitLakehouseSucceedsOnceTheDaysModelWasBuilt() throws Exception {
        Map<String, String> pg = SharedLocalInfra.get("postgres").serviceOverrides();
        LocalDate built = LocalDate.parse("2031-01-02");
        LocalDate rebuiltAndFailed = built.plusDays(2);
        modelRun(pg, built, "succeeded", "now()");
        modelRun(pg, rebuiltAndFailed, "succeeded", "now() - interval '1 hour'");
        modelRun(pg, rebuiltAndFailed, "failed", "now()");
        List<String> connection = List.of("--set", "postgres.jdbc-url=" + pg.get("postgres.jdbc-url"),
                "--set", "postgres.user=" + pg.get("postgres.user"), "--set", "postgres.password=" + pg.get("postgres.password"));
        Output ready = run(concat(List.of("features", "await-lakehouse", "--date", built.toString()), connection));
        assertThat(ready.code()).as(ready.out() + ready.err()).isZero();
        Output waiting = run(concat(List.of("features", "await-lakehouse", "--date", built.plusDays(1).toString()), connection));
        assertThat(waiting.code()).isEqualTo(1);
        assertThat(waiting.out()).contains("is not built yet").doesNotContain("its last run");
        // The latest run counts: a rebuild that failed after a success is not a built model.
        Output failed = run(concat(List.of("features", "await-lakehouse", "--date", rebuiltAndFailed.toString()), connection));
        assertThat(failed.code()).isEqualTo(1);
        assertThat(failed.out()).contains("is not built yet (its last run failed)");
    }

    private static void modelRun(Map<String, String> pg, LocalDate day, String status, String startedAt) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.get("postgres.jdbc-url"), pg.get("postgres.user"),
                pg.get("postgres.password"));
             PreparedStatement s = c.prepareStatement("INSERT INTO batch_job_runs (run_id, job, partition_date, status, "
                     + "started_at, finished_at, rows_in, rows_out) VALUES (?, 'model', ?, ?, " + startedAt + ", "
                     + startedAt + ", 0, 0)")) {
            s.setString(1, UUID.randomUUID().toString());
            s.setObject(2, day);
            s.setString(3, status);
            s.executeUpdate();
        }
    }

    private static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }

    private record Output(int code, String out, String err) {}

    private Output run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dataDir.toString()));
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
