package dev.noexcuses.ml;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.lakehouse.JobArguments;
import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.LakeSessions;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.lakehouse.runs.JobRun;
import dev.noexcuses.lakehouse.runs.RunHistory;
import dev.noexcuses.ml.score.ChurnList;
import dev.noexcuses.ml.score.ScoringPipeline;
import dev.noexcuses.ml.scores.ScoreLoader;
import dev.noexcuses.ml.train.TrainingPipeline;
import dev.noexcuses.registry.client.RegistryClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;

/**
 * Entry point of an ML pipeline JVM, started by {@code ./platform ml ...} with the lake's arguments (secrets in the
 * environment: the registry token in {@value #REGISTRY_TOKEN_ENV}, Redis's password in {@value #REDIS_PASSWORD_ENV}):
 * <ul>
 *   <li>{@code train --registry-url U [--model churn] [--date LAST_DAY] [--cut-offs 4] [--cut-off-every-days 7]
 *       [--rounds 120] [--min-auc 0.65] [--champion-tolerance 0.02] [--param k=v ...] [--git-commit SHA]};</li>
 *   <li>{@code score --registry-url U --redis-url R [--model churn] [--date D] [--chunk-size 2000]
 *       [--skip-without-champion true]} (then no champion yet is a skipped run, exit 0);</li>
 *   <li>{@code churn-list [--date D] [--min-score 0.7] [--top 100] [--output FILE.csv]}.</li>
 * </ul>
 * Exit codes: 0 done, 1 failed, 2 wrong arguments, 3 the trained model failed a gate (nothing registered).
 */
public final class MlPipelinesMain {
    public static final String REGISTRY_TOKEN_ENV = "ML_REGISTRY_TOKEN";
    public static final String REDIS_PASSWORD_ENV = "ML_REDIS_PASSWORD";

    private MlPipelinesMain() {}

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
        try {
            a = JobArguments.parse(args, List.of("train", "score", "churn-list"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Progress progress = new Progress(System.out);
        SparkSession spark = null;
        try {
            JobSettings settings = a.settings(env);
            progress.line("Starting Spark (%s) ...", settings.master());
            spark = sessions.open(settings, "ml " + a.command());
            RunHistory history = new RunHistory(settings.catalogUri(), settings.catalogUser(), settings.catalogPassword());
            ModelFeatures features = new ModelFeatures(FeatureRegistry.shipped().views());
            return switch (a.command()) {
                case "train" -> train(spark, history, features, a, env, progress);
                case "score" -> score(spark, history, features, a, env, progress);
                default -> churnList(spark, a, progress);
            };
        } catch (IllegalArgumentException e) {
            System.err.println("ml " + a.command() + ": " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("ml " + a.command() + " failed: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        } finally {
            if (spark != null) {
                sessions.release(spark);
            }
        }
    }

    private static int train(SparkSession spark, RunHistory history, ModelFeatures features, JobArguments a,
                             Map<String, String> env, Progress progress) {
        TrainingPipeline.Settings s = new TrainingPipeline.Settings(a.value("model", "churn"),
                a.has("date") ? date(a.value("date", "")) : null,
                Integer.parseInt(a.value("cut-offs", "4")), Integer.parseInt(a.value("cut-off-every-days", "7")),
                a.pairs("param"), Integer.parseInt(a.value("rounds", "120")),
                Double.parseDouble(a.value("min-auc", "0.65")), Double.parseDouble(a.value("champion-tolerance", "0.02")),
                a.value("git-commit", env.getOrDefault("GIT_COMMIT", "")));
        Instant started = Instant.now();
        String jobRun = UUID.randomUUID().toString();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try {
            TrainingPipeline.Outcome o = new TrainingPipeline(spark, registry(a, env), features, progress).run(s);
            String message = String.format(Locale.ROOT, "run %s: holdout AUC %.4f, %s", o.runId(), o.holdout().auc(),
                    o.version().isPresent() ? "registered v" + o.version().getAsInt() + " as challenger"
                            : "gate failed, nothing registered");
            history.record(new JobRun(jobRun, "ml.train", today, JobRun.Status.SUCCEEDED, started, Instant.now(),
                    o.trainRows(), o.version().isPresent() ? 1 : 0, message, "", Map.of("auc", o.holdout().auc())));
            progress.line("Training %s", message);
            return o.passed() ? 0 : 3;
        } catch (RuntimeException e) {
            history.record(new JobRun(jobRun, "ml.train", today, JobRun.Status.FAILED, started, Instant.now(), 0, 0,
                    e.getMessage(), "", Map.of()));
            throw e;
        }
    }

    private static int score(SparkSession spark, RunHistory history, ModelFeatures features, JobArguments a,
                             Map<String, String> env, Progress progress) {
        LocalDate day = a.has("date") ? date(a.value("date", "")) : LocalDate.now(ZoneOffset.UTC);
        RedisAccess redis = new RedisAccess(a.required("redis-url"), a.value("redis-username", ""),
                env.getOrDefault(REDIS_PASSWORD_ENV, ""), a.value("redis-ca-file", ""),
                Boolean.parseBoolean(a.value("redis-insecure", "false")));
        Instant started = Instant.now();
        String jobRun = UUID.randomUUID().toString();
        try {
            ScoringPipeline.Outcome o = new ScoringPipeline(spark, registry(a, env), redis, features, progress).run(
                    new ScoringPipeline.Settings(a.value("model", "churn"), day, Integer.parseInt(a.value("chunk-size", "2000"))),
                    ScoreLoader.ChunkListener.NONE);
            history.record(new JobRun(o.runId(), "ml.score", day, JobRun.Status.SUCCEEDED, started, Instant.now(),
                    o.candidates(), o.scored(), String.format(Locale.ROOT, "v%d scored %d of %d users with features; %d in "
                            + "Redis (run %s)", o.modelVersion(), o.scored(), o.candidates(), o.loaded(), o.runId()), "",
                    Map.of("loaded", o.loaded(), "base_rate", o.baseRate(), "oldest_feature_age_seconds",
                            o.oldestFeatureAge().toSeconds())));
            return 0;
        } catch (ScoringPipeline.NoChampionException e) {
            if (!Boolean.parseBoolean(a.value("skip-without-champion", "false"))) {
                throw e;
            }
            history.record(new JobRun(jobRun, "ml.score", day, JobRun.Status.SKIPPED, started, Instant.now(), 0, 0,
                    e.getMessage(), "", Map.of()));
            progress.line("Nothing scored: %s", e.getMessage());
            return 0;
        } catch (RuntimeException e) {
            history.record(new JobRun(jobRun, "ml.score", day, JobRun.Status.FAILED, started, Instant.now(), 0, 0,
                    e.getMessage(), "", Map.of()));
            throw e;
        }
    }

    private static int churnList(SparkSession spark, JobArguments a, Progress progress) {
        LocalDate day = a.has("date") ? date(a.value("date", "")) : LocalDate.now(ZoneOffset.UTC);
        double min = Double.parseDouble(a.value("min-score", "0.7"));
        int top = Integer.parseInt(a.value("top", "100"));
        List<ChurnList.Entry> list = ChurnList.top(spark, day, min, top);
        String output = a.value("output", "");
        if (!output.isBlank()) {
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8))) {
                out.println("user_key,score,model_version,scored_at,feature_time,country_code,device");
                for (ChurnList.Entry e : list) {
                    out.printf(Locale.ROOT, "%s,%.6f,%d,%s,%s,%s,%s%n", csv(e.userKey()), e.score(), e.modelVersion(),
                            e.scoredAt(), e.featureTime(), csv(e.countryCode()), csv(e.device()));
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot write " + output + ": " + e.getMessage(), e);
            }
            progress.line("%d users with a churn score >= %.2f written to %s", list.size(), min, output);
            return 0;
        }
        System.out.printf("%-28s %7s %7s %-20s %-8s %s%n", "USER_KEY", "SCORE", "VERSION", "SCORED_AT", "COUNTRY", "DEVICE");
        for (ChurnList.Entry e : list) {
            System.out.printf(Locale.ROOT, "%-28s %7.4f %7d %-20s %-8s %s%n", e.userKey(), e.score(), e.modelVersion(),
                    e.scoredAt().toString().substring(0, 19), e.countryCode() == null ? "-" : e.countryCode(),
                    e.device() == null ? "-" : e.device());
        }
        progress.line("%d users with a churn score >= %.2f (top %d, latest score per user as of %s)", list.size(), min, top, day);
        return 0;
    }

    private static RegistryClient registry(JobArguments a, Map<String, String> env) {
        String token = env.getOrDefault(REGISTRY_TOKEN_ENV, "");
        if (token.isBlank()) {
            throw new IllegalArgumentException("No registry token: set " + REGISTRY_TOKEN_ENV);
        }
        return RegistryClient.create(URI.create(a.required("registry-url")), token);
    }

    private static String csv(String value) {
        if (value == null) {
            return "";
        }
        return value.contains(",") || value.contains("\"") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    private static LocalDate date(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid date: " + text + ", expected YYYY-MM-DD");
        }
    }
}
