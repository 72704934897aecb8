package dev.noexcuses.features;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.offline.FeatureBuild;
import dev.noexcuses.features.offline.FeatureStatistics;
import dev.noexcuses.features.offline.TrainingSets;
import dev.noexcuses.features.online.Materializer;
import dev.noexcuses.lakehouse.JobArguments;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSessions;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.runs.JobRun;
import dev.noexcuses.lakehouse.runs.RunHistory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of a feature-store job JVM, started by {@code ./platform features ...} with the lakehouse's
 * arguments (where the lake is, Spark's settings; secrets in the environment):
 * <ul>
 *   <li>{@code build (--date D | --from D1 --to D2) [--views a,b] [--block-days 7]}: the offline rows and their checks;</li>
 *   <li>{@code training-set --labels TABLE --name NAME [--views a,b] [--snapshots view=id,...]};</li>
 *   <li>{@code materialize [--views a,b] [--chunk-size 500] --redis-url URL}: changed rows to Redis
 *       (password in {@value #REDIS_PASSWORD_ENV}).</li>
 * </ul>
 * Exit codes: 0 done, 1 failed, 2 wrong arguments, 3 a build failed an error check (its rows are written).
 */
public final class FeatureStoreMain {
    public static final String REDIS_PASSWORD_ENV = "FEATURES_REDIS_PASSWORD";

    private FeatureStoreMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    /** Runs the command to its end in a Spark session of its own; returns the exit code. */
    public static int run(String[] args, Map<String, String> env) {
        return run(args, env, LakeSessions.OWN);
    }

    /** Runs the command on a session from {@code sessions} (the job host lends its own); returns the exit code. */
    public static int run(String[] args, Map<String, String> env, LakeSessions sessions) {
        JobArguments a;
        String command;
        try {
            a = JobArguments.parse(args, List.of("build", "training-set", "materialize"));
            command = a.command();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Progress progress = new Progress(System.out);
        FeatureRegistry registry = FeatureRegistry.shipped();
        SparkSession spark = null;
        try {
            List<FeatureView> views = registry.select(list(a.value("views", "")));
            JobSettings settings = a.settings(env);
            RunHistory history = new RunHistory(settings.catalogUri(), settings.catalogUser(), settings.catalogPassword());
            progress.line("Starting Spark (%s) ...", settings.master());
            spark = sessions.open(settings, "features " + command);
            return switch (command) {
                case "build" -> build(spark, history, views, a.days(), Integer.parseInt(a.value("block-days", "7")),
                        progress);
                case "training-set" -> trainingSet(spark, views, a, progress);
                default -> materialize(spark, history, views, a, env, progress);
            };
        } catch (IllegalArgumentException e) {
            System.err.println("Features " + command + ": " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("Features " + command + " failed: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        } finally {
            if (spark != null) {
                sessions.release(spark);
            }
        }
    }

    static int build(SparkSession spark, RunHistory history, List<FeatureView> views, List<LocalDate> days, int blockDays,
                     Progress progress) {
        FeatureBuild build = new FeatureBuild(spark, progress, blockDays);
        FeatureStatistics statistics = new FeatureStatistics(spark);
        int exit = 0;
        for (FeatureView view : views) {
            String runId = UUID.randomUUID().toString();
            Instant started = Instant.now();
            String job = "features." + view.name();
            Map<LocalDate, Long> rows;
            List<FeatureStatistics.Check> checks;
            try {
                rows = build.build(view, days, started);
                checks = statistics.check(view, days, runId);
            } catch (RuntimeException e) {
                for (LocalDate day : days) {
                    history.record(new JobRun(runId, job, day, JobRun.Status.FAILED, started, Instant.now(), 0, 0,
                            e.getClass().getSimpleName() + ": " + e.getMessage(), "", Map.of()));
                }
                throw e;
            }
            Instant finished = Instant.now();
            for (LocalDate day : days) {
                List<FeatureStatistics.Check> failed = checks.stream()
                        .filter(c -> c.day().equals(day) && c.status().equals("fail")).toList();
                long warned = checks.stream().filter(c -> c.day().equals(day) && c.status().equals("warn")).count();
                String message = failed.isEmpty() ? warned + " warning(s)" : failed.size() + " failed check(s): "
                        + failed.stream().map(c -> c.feature() + "." + c.check() + " " + c.observed()).toList();
                history.record(new JobRun(runId, job, day, failed.isEmpty() ? JobRun.Status.SUCCEEDED : JobRun.Status.FAILED,
                        started, finished, 0, rows.getOrDefault(day, 0L), message, "", Map.of()));
                progress.line("  [features] %s %s: %,d rows, %s", view.name(), day, rows.getOrDefault(day, 0L), message);
                checks.stream().filter(c -> c.day().equals(day) && !c.status().equals("pass"))
                        .forEach(c -> progress.line("    %-5s %s.%s: %s (expected %s) %s", c.status().toUpperCase(),
                                c.feature(), c.check(), c.observed(), c.expected(), c.message()));
                if (!failed.isEmpty()) {
                    exit = 3;
                }
            }
        }
        return exit;
    }

    private static int trainingSet(SparkSession spark, List<FeatureView> views, JobArguments a, Progress progress) {
        String labels = a.required("labels");
        Dataset<Row> labelRows = labels.startsWith("parquet:") ? spark.read().parquet(labels.substring("parquet:".length()))
                : spark.table(labels);
        Map<String, Long> at = new LinkedHashMap<>();
        for (String pair : list(a.value("snapshots", ""))) {
            String[] kv = pair.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("Invalid --snapshots entry '" + pair + "': expected view=snapshot-id");
            }
            at.put(kv[0], Long.parseLong(kv[1]));
        }
        Instant started = Instant.now();
        TrainingSets.Result result = new TrainingSets(spark).build(a.required("name"), labelRows, views, at);
        progress.stage("training-set", result.table(), result.rows(), started);
        progress.line("Training set %s: %,d rows; feature snapshots %s (rebuild: --snapshots %s); labels without values "
                + "(none within the TTL before the label time) per view: %s", result.table(), result.rows(),
                result.snapshots(), String.join(",", result.snapshots().entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()), result.missing());
        return 0;
    }

    private static int materialize(SparkSession spark, RunHistory history, List<FeatureView> views, JobArguments a,
                                   Map<String, String> env, Progress progress) {
        RedisAccess redis = new RedisAccess(a.required("redis-url"), a.value("redis-username", ""),
                env.getOrDefault(REDIS_PASSWORD_ENV, ""), a.value("redis-ca-file", ""),
                Boolean.parseBoolean(a.value("redis-insecure", "false")));
        Materializer materializer = new Materializer(spark, redis, Integer.parseInt(a.value("chunk-size", "500")),
                Clock.systemUTC(), progress);
        for (FeatureView view : views) {
            Instant started = Instant.now();
            String runId = UUID.randomUUID().toString();
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            try {
                Materializer.Outcome o = materializer.materialize(view, Materializer.ChunkListener.NONE);
                history.record(new JobRun(runId, "features_materialize." + view.name(), today, JobRun.Status.SUCCEEDED,
                        started, Instant.now(), 0, o.written(), o.upToDate() ? "up to date"
                        : (o.resumed() ? "resumed; " : "") + o.written() + " rows in " + o.chunks() + " chunks", "", Map.of()));
                progress.line("  [materialize] %s: %,d rows written in %d chunk(s)%s, %.1f s", view.name(), o.written(),
                        o.chunks(), o.resumed() ? " (resumed)" : "",
                        Duration.between(started, Instant.now()).toMillis() / 1000.0);
            } catch (RuntimeException e) {
                history.record(new JobRun(runId, "features_materialize." + view.name(), today, JobRun.Status.FAILED,
                        started, Instant.now(), 0, 0, e.getMessage(), "", Map.of()));
                throw e;
            }
        }
        return 0;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
