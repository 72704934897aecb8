package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.ml.scores.ScoreEntry;
import dev.noexcuses.ml.scores.ScoreKeys;
import dev.noexcuses.ml.scores.ScoreLoader;
import dev.noexcuses.ml.scores.ScoreReader;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./platform ml's commands that need no Spark: the DAG's first task and the rollback of the scores in Redis. */
class MlCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void awaitFeaturesSucceedsOnceEveryViewOfTheDayWasBuilt() throws Exception {
        Map<String, String> pg = SharedLocalInfra.get("postgres").serviceOverrides();
        LocalDate day = LocalDate.parse("2031-02-03");
        List<String> connection = List.of("--set", "postgres.jdbc-url=" + pg.get("postgres.jdbc-url"),
                "--set", "postgres.user=" + pg.get("postgres.user"), "--set", "postgres.password=" + pg.get("postgres.password"));
        built(pg, "features.user_activity", day);
        Output half = run(concat(List.of("ml", "await-features", "--date", day.toString()), connection));
        assertThat(half.code()).isEqualTo(1);
        assertThat(half.out()).contains("not built yet for [user_cart]");

        built(pg, "features.user_cart", day);
        Output ready = run(concat(List.of("ml", "await-features", "--date", day.toString()), connection));
        assertThat(ready.code()).as(ready.out() + ready.err()).isZero();
    }

    @Test
    void rollbackPointsReadersAtThePreviousRunAndBack() {
        Map<String, String> keys = SharedLocalInfra.get("redis").serviceOverrides();
        RedisAccess redis = new RedisAccess(keys.get("redis.url"), "", keys.get("redis.password"), "", false);
        String model = "rollback-" + UUID.randomUUID().toString().substring(0, 8);
        Instant now = Instant.now();
        for (int version = 1; version <= 2; version++) {
            new ScoreLoader(redis, ScoreKeys.of(model), 10).load(new ScoreLoader.RunMeta("run-" + version, model, version, now,
                    0.2), List.of(new ScoreLoader.UserScore("u-1", new ScoreEntry(0.1 * version, version, now, now))).iterator(),
                    Map.of(), ScoreLoader.ChunkListener.NONE);
        }
        List<String> connection = List.of("--set", "redis.url=" + keys.get("redis.url"),
                "--set", "redis.password=" + keys.get("redis.password"), "--set", "ml-pipelines.model=" + model);
        try (ScoreReader reader = new ScoreReader(redis, model, Clock.systemUTC())) {
            assertThat(reader.read("u-1", null, null).orElseThrow().modelVersion()).isEqualTo(2);
            Output back = run(concat(List.of("ml", "rollback"), connection));
            assertThat(back.code()).as(back.err()).isZero();
            assertThat(back.out()).contains("now serves run run-1");
            assertThat(reader.read("u-1", null, null).orElseThrow().modelVersion()).isEqualTo(1);
            assertThat(run(concat(List.of("ml", "rollback"), connection)).out()).contains("run-2");
            assertThat(reader.read("u-1", null, null).orElseThrow().modelVersion()).isEqualTo(2);
        }
    }

    private static void built(Map<String, String> pg, String job, LocalDate day) throws Exception {
        try (Connection c = DriverManager.getConnection(pg.get("postgres.jdbc-url"), pg.get("postgres.user"),
                pg.get("postgres.password"));
             PreparedStatement s = c.prepareStatement("INSERT INTO batch_job_runs (run_id, job, partition_date, status, "
                     + "started_at, finished_at, rows_in, rows_out) VALUES (?, ?, ?, 'succeeded', now(), now(), 0, 0)")) {
            s.setString(1, UUID.randomUUID().toString());
            s.setString(2, job);
            s.setObject(3, day);
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
