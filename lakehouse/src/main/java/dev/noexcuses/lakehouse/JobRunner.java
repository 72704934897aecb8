package dev.noexcuses.lakehouse;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.lakehouse.jobs.CurateJob;
import dev.noexcuses.lakehouse.jobs.DailyJob;
import dev.noexcuses.lakehouse.jobs.DayCounts;
import dev.noexcuses.lakehouse.jobs.ExperimentOutcomesJob;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import dev.noexcuses.lakehouse.jobs.ModelJob;
import dev.noexcuses.lakehouse.jobs.QualityJob;
import dev.noexcuses.lakehouse.jobs.SessionsJob;
import dev.noexcuses.lakehouse.runs.JobRun;
import dev.noexcuses.lakehouse.runs.RunHistory;
import dev.noexcuses.lakehouse.runs.SparkMetrics;
import dev.noexcuses.lakehouse.runs.StageTimeline;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a job, or the chain quality → curate → sessions → model, for a set of days: adds the days
 * whose raw rows arrived after their last build, keeps days that failed an error quality check out
 * of the downstream jobs (and says why), and records every job's run per day in the run history.
 */
public final class JobRunner implements AutoCloseable {
    /** Exit code of a run in which some day failed its quality checks and its downstream jobs did not run. */
    public static final int QUALITY_FAILED = 3;
    public static final List<String> JOBS = List.of("quality", "curate", "sessions", "model");
    /** The experiments job: churned means no event in this many days after the day of the first exposure. */
    static final int EXPERIMENT_CHURN_DAYS = 7;
    /** The experiments job reads exposures of this many days up to its date. */
    static final int EXPERIMENT_LOOKBACK_DAYS = 60;

    private final SparkSession spark;
    private final RunHistory history;
    private final Progress progress;
    private final Map<String, DailyJob> jobs = new LinkedHashMap<>();
    private final SparkMetrics metrics = new SparkMetrics();
    private final StageTimeline timeline;

    public JobRunner(SparkSession spark, RunHistory history, Progress progress, QualityJob.Thresholds thresholds) {
        this.spark = requireNonNull(spark, "spark is null");
        this.history = requireNonNull(history, "history is null");
        this.progress = requireNonNull(progress, "progress is null");
        // experiments is run on its own (./platform lakehouse run experiments), not in "all".
        for (DailyJob job : List.of(new QualityJob(thresholds), new CurateJob(), new SessionsJob(), new ModelJob(),
                new ExperimentOutcomesJob(history::connect, EXPERIMENT_CHURN_DAYS, EXPERIMENT_LOOKBACK_DAYS))) {
            jobs.put(job.name(), job);
        }
        spark.sparkContext().addSparkListener(metrics);
        timeline = new StageTimeline(spark.sparkContext());
        spark.sparkContext().addSparkListener(timeline);
    }

    /** Stops listening to the session's Spark events (a job host's session outlives its jobs' runners). */
    @Override
    public void close() {
        spark.sparkContext().removeSparkListener(metrics);
        spark.sparkContext().removeSparkListener(timeline);
    }

    /** What a run did: per job and day, the recorded run. */
    public record Report(List<JobRun> runs, int exitCode) {
        public Optional<JobRun> run(String job, LocalDate day) {
            return runs.stream().filter(r -> r.job().equals(job) && r.day().equals(day)).findFirst();
        }
    }

    public Report run(String job, List<LocalDate> requested) {
        if (!job.equals("all") && !jobs.containsKey(job)) {
            throw new IllegalArgumentException("Invalid job: " + job + ", expected all, " + String.join(", ", JOBS)
                    + " or experiments");
        }
        if (!LakeTables.exists(spark, LakeTables.RAW_EVENTS)) {
            throw new IllegalStateException(LakeTables.RAW_EVENTS + " does not exist yet: the batch loader creates it "
                    + "when it starts (./platform up), and fills it as events arrive");
        }
        LakeTables.ensure(spark);
        List<String> chain = job.equals("all") ? JOBS : List.of(job);
        TreeSet<LocalDate> days = new TreeSet<>(requested);
        days.addAll(lateDays(chain.get(0), days));
        String ui = spark.sparkContext().uiWebUrl().isDefined() ? spark.sparkContext().uiWebUrl().get() : "";
        progress.line("Lakehouse %s for %s on %s%s", String.join(" → ", chain), describe(days),
                spark.sparkContext().master(), ui.isEmpty() ? "" : ", Spark UI " + ui);

        List<JobRun> runs = new ArrayList<>();
        Map<LocalDate, String> stopped = new TreeMap<>();
        int exit = 0;
        for (String name : chain) {
            List<LocalDate> active = new ArrayList<>();
            for (LocalDate day : days) {
                String why = stopped.containsKey(day) ? stopped.get(day) : name.equals("quality") ? null : failedQuality(day);
                if (why == null) {
                    active.add(day);
                } else {
                    stopped.put(day, why);
                    Instant now = Instant.now();
                    JobRun skipped = new JobRun(UUID.randomUUID().toString(), name, day, JobRun.Status.SKIPPED, now, now,
                            0, 0, why, ui, Map.of());
                    history.record(skipped);
                    runs.add(skipped);
                    progress.line("  [%s] %s not run: %s", name, day, why);
                    exit = QUALITY_FAILED;
                }
            }
            if (active.isEmpty()) {
                continue;
            }
            String runId = UUID.randomUUID().toString();
            Instant started = Instant.now();
            metrics.reset();
            timeline.reset();
            progress.line("[%s] %s ...", name, describe(active));
            DayCounts counts;
            try {
                counts = jobs.get(name).run(spark, runId, active, progress);
            } catch (RuntimeException e) {
                Instant failedAt = Instant.now();
                String message = e.getClass().getSimpleName() + ": " + e.getMessage();
                for (LocalDate day : active) {
                    JobRun failed = new JobRun(runId, name, day, JobRun.Status.FAILED, started, failedAt, 0, 0,
                            message, ui, runFigures());
                    history.record(failed);
                    runs.add(failed);
                }
                throw e;
            }
            Instant finished = Instant.now();
            Map<String, Object> snapshot = runFigures();
            for (LocalDate day : active) {
                boolean failed = counts.failedDays().contains(day);
                JobRun run = new JobRun(runId, name, day, failed ? JobRun.Status.FAILED : JobRun.Status.SUCCEEDED,
                        started, finished, counts.in(day), counts.out(day), counts.notes().get(day), ui, snapshot);
                history.record(run);
                runs.add(run);
                if (failed) {
                    stopped.put(day, "quality failed on " + day + ": " + counts.notes().get(day));
                    progress.line("  [%s] %s FAILED: %s", name, day, counts.notes().get(day));
                    exit = QUALITY_FAILED;
                } else if (counts.notes().containsKey(day)) {
                    progress.line("  [%s] %s %s", name, day, counts.notes().get(day));
                }
            }
            progress.line("[%s] done in %.1f s: rows in %,d, rows out %,d; %s stages, %s tasks, idle core share %.0f%%, "
                    + "peak heap %,d MiB", name, Duration.between(started, finished).toMillis() / 1000.0, DayCounts.total(counts.rowsIn()),
                    DayCounts.total(counts.rowsOut()), snapshot.get("stages"), snapshot.get("tasks"),
                    ((Number) snapshot.get("idle_core_share")).doubleValue() * 100,
                    SparkMetrics.peakHeapBytes() / (1024 * 1024));
        }
        if (chain.contains("model")) {
            printKpis(days);
        }
        return new Report(runs, exit);
    }

    /** Spark's counters and the stage timeline, after the listener bus delivered the job's events. */
    private Map<String, Object> runFigures() {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
        } catch (Exception e) {
            progress.line("Spark's listener bus did not drain in 30 s: the run's stage figures may be incomplete");
        }
        Map<String, Object> figures = new LinkedHashMap<>(metrics.snapshot());
        figures.putAll(timeline.snapshot());
        return figures;
    }

    private void printKpis(java.util.Collection<LocalDate> days) {
        List<Row> rows = spark.sql("SELECT event_date, events, active_users, new_users, sessions, conversion_rate, orders, "
                + "revenue, average_order_value, failed_event_share FROM " + LakeTables.DAILY_KPIS + " WHERE event_date IN ("
                + days.stream().map(d -> "DATE '" + d + "'").collect(java.util.stream.Collectors.joining(", "))
                + ") ORDER BY event_date").collectAsList();
        if (rows.isEmpty()) {
            return;
        }
        progress.line("Daily KPIs (%s)", LakeTables.DAILY_KPIS);
        progress.line("  %-10s %9s %8s %7s %9s %8s %7s %12s %8s %8s", "DAY", "EVENTS", "ACTIVE", "NEW", "SESSIONS",
                "CONV %", "ORDERS", "REVENUE", "AOV", "FAILED %");
        for (Row r : rows) {
            progress.line("  %-10s %,9d %,8d %,7d %,9d %7.2f%% %,7d %,12.2f %8.2f %7.2f%%", r.getDate(0), r.getLong(1),
                    r.getLong(2), r.getLong(3), r.getLong(4), r.getDouble(5) * 100, r.getLong(6), r.getDouble(7),
                    r.getDouble(8), r.getDouble(9) * 100);
        }
    }

    /** Why the day's latest quality run stops downstream jobs, or null when it does not. */
    private String failedQuality(LocalDate day) {
        return history.latest("quality", day)
                .filter(r -> r.status() == JobRun.Status.FAILED)
                .map(r -> "quality failed on " + day + " (run " + r.runId() + "): " + r.message())
                .orElse(null);
    }

    /** Days built before whose raw rows were loaded after that build started: late events. */
    private List<LocalDate> lateDays(String job, TreeSet<LocalDate> requested) {
        Map<LocalDate, Instant> built = history.lastSucceeded(job);
        if (built.isEmpty()) {
            return List.of();
        }
        Instant oldest = built.values().stream().min(Instant::compareTo).orElseThrow();
        List<LocalDate> late = new ArrayList<>();
        for (Row r : spark.sql("SELECT to_date(event_time) AS day, max(loaded_at) FROM " + LakeTables.RAW_EVENTS
                + " WHERE loaded_at > timestamp_millis(" + oldest.toEpochMilli() + ") GROUP BY 1").collectAsList()) {
            if (r.isNullAt(0)) {
                continue;
            }
            LocalDate day = r.getDate(0).toLocalDate();
            Instant loaded = r.getTimestamp(1).toInstant();
            Instant lastBuild = built.get(day);
            if (lastBuild != null && loaded.isAfter(lastBuild) && !requested.contains(day)) {
                progress.line("Late events for %s (loaded %s, after its build at %s): rebuilding it", day, loaded, lastBuild);
                late.add(day);
            }
        }
        return late;
    }

    private static String describe(java.util.Collection<LocalDate> days) {
        TreeSet<LocalDate> sorted = new TreeSet<>(days);
        if (sorted.size() == 1) {
            return sorted.first().toString();
        }
        boolean contiguous = sorted.first().plusDays(sorted.size() - 1).equals(sorted.last());
        return contiguous ? sorted.first() + ".." + sorted.last() + " (" + sorted.size() + " days)"
                : sorted.size() + " days " + sorted;
    }
}
