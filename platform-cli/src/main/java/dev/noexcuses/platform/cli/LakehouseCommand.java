package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform lakehouse run|runs}: the Spark jobs over the lake, and their run history. */
@Command(name = "lakehouse", description = "Spark jobs over the lake: quality checks, curated events, sessions, star schema, daily KPIs.",
        subcommands = {LakehouseCommand.Run.class, LakehouseCommand.Runs.class})
final class LakehouseCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Range {
        @Option(names = "--from", paramLabel = "YYYY-MM-DD", required = true, description = "First day of a range.")
        LocalDate from;

        @Option(names = "--to", paramLabel = "YYYY-MM-DD", required = true, description = "Last day of the range.")
        LocalDate to;
    }

    @Command(name = "run", description = "Runs JOB (quality, curate, sessions, model) or all of them in that order for "
            + "a day or a range, in a Spark JVM of its own. Days whose raw rows arrived after their last build are rebuilt "
            + "too. Exit code 3: a day failed an error quality check and its downstream jobs did not run.")
    static final class Run implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "JOB", description = "quality, curate, sessions, model, or all; experiments (A/B outcomes, docs/ab-testing.md)")
        String job;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Selection days;

        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: lakehouse.master, local[*]).")
        String master;

        static final class Selection {
            @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "One day (UTC).")
            LocalDate date;

            @ArgGroup(exclusive = false)
            Range range;
        }

        @Override
        public Integer call() throws Exception {
            if (!java.util.List.of("all", "quality", "curate", "sessions", "model", "experiments").contains(job)) {
                System.err.println("Unknown job " + job + ": expected quality, curate, sessions, model, all or experiments");
                return 2;
            }
            Config config = LakeCommand.lakeConfig(options);
            if (master != null) {
                config = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("lakehouse.master", master))
                        .withFallback(config);
            }
            LocalDate from = days.date != null ? days.date : days.range.from;
            LocalDate to = days.date != null ? days.date : days.range.to;
            if (to.isBefore(from)) {
                System.err.println("--to " + to + " is before --from " + from);
                return 2;
            }
            return new SparkJobLauncher(config).run(job, from, to);
        }
    }

    @Command(name = "runs", description = "The run history of the lakehouse jobs, newest first.")
    static final class Runs implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--job", paramLabel = "JOB", description = "Only this job.")
        String job;

        @Option(names = "--limit", defaultValue = "30", description = "How many runs (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() throws Exception {
            Config config = LakeCommand.lakeConfig(options);
            String sql = "SELECT job, partition_date, status, started_at, extract(epoch FROM finished_at - started_at), "
                    + "rows_in, rows_out, coalesce(message, ''), run_id, coalesce(metrics::text, '{}') FROM batch_job_runs "
                    + (job == null ? "" : "WHERE job = ? ") + "ORDER BY started_at DESC, job LIMIT ?";
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            java.util.Set<String> shownStages = new java.util.HashSet<>();
            try (Connection c = DriverManager.getConnection(config.getString("postgres.jdbc-url"),
                    config.getString("postgres.user"), config.getString("postgres.password"));
                 PreparedStatement s = c.prepareStatement(sql)) {
                int i = 1;
                if (job != null) {
                    s.setString(i++, job);
                }
                s.setInt(i, limit);
                System.out.printf("%-9s %-10s %-9s %-20s %8s %12s %12s %6s  %s%n", "JOB", "DAY", "STATUS", "STARTED",
                        "SECONDS", "ROWS IN", "ROWS OUT", "IDLE", "MESSAGE");
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        com.fasterxml.jackson.databind.JsonNode metrics = json.readTree(rs.getString(10));
                        String idle = metrics.has("idle_core_share")
                                ? String.format("%5.0f%%", metrics.path("idle_core_share").asDouble() * 100) : "";
                        System.out.printf("%-9s %-10s %-9s %-20s %8.1f %,12d %,12d %6s  %s%n", rs.getString(1), rs.getDate(2),
                                rs.getString(3), rs.getTimestamp(4).toInstant().toString().substring(0, 19), rs.getDouble(5),
                                rs.getLong(6), rs.getLong(7), idle, rs.getString(8));
                        // With --job, each run's stages once (a run of several days shares them).
                        if (job != null && metrics.path("stage_timeline").size() > 0 && shownStages.add(rs.getString(9))) {
                            printStages(metrics);
                        }
                    }
                }
            }
            return 0;
        }

        /** Per stage: tasks, task time max and median, wall time, cores and the core time left idle. */
        private static void printStages(com.fasterxml.jackson.databind.JsonNode metrics) {
            System.out.printf("    %6s %6s %10s %10s %10s %5s %9s  %s%n", "STAGE", "TASKS", "MAX TASK", "MEDIAN", "WALL",
                    "CORES", "IDLE", "NAME");
            for (com.fasterxml.jackson.databind.JsonNode st : metrics.path("stage_timeline")) {
                long wallCore = st.path("cores").asLong() * st.path("wall_ms").asLong();
                System.out.printf("    %6d %6d %8d ms %7d ms %7d ms %5d %8.0f%%  %s%n", st.path("stage").asInt(),
                        st.path("tasks").asInt(), st.path("max_task_ms").asLong(), st.path("median_task_ms").asLong(),
                        st.path("wall_ms").asLong(), st.path("cores").asInt(),
                        wallCore == 0 ? 0.0 : st.path("idle_core_ms").asLong() * 100.0 / wallCore, st.path("name").asText());
            }
            System.out.printf("    settings: %s%n", metrics.path("parallelism_settings"));
        }
    }
}
