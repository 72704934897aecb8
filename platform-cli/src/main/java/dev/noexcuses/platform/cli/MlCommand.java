package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.lakehouse.runs.JobRun;
import dev.noexcuses.lakehouse.runs.RunHistory;
import dev.noexcuses.ml.scores.ScoreKeys;
import dev.noexcuses.ml.scores.ScoreLoader;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./platform ml ...}: the churn model's training and batch scoring pipelines, and the churn list. */
@Command(name = "ml", description = "ML pipelines: train the churn model from the lake (registered as challenger when "
        + "it passes its gates), score users in batch with the champion into ml.churn_scores and Redis, list likely churners.",
        subcommands = {MlCommand.Train.class, MlCommand.Score.class, MlCommand.ChurnListCommand.class,
                MlCommand.Rollback.class, MlCommand.AwaitFeatures.class})
final class MlCommand implements Runnable {
    static final String MAIN = "dev.noexcuses.ml.MlPipelinesMain";
    static final String MODULE = "ml-pipelines";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "train", description = "Trains the churn model: labels over several cut-offs of curated.sessions, a "
            + "point-in-time training set, XGBoost, evaluation on the latest cut-off (AUC, PR-AUC, calibration, lift@10%), "
            + "the gates (AUC floor, not worse than the champion), all logged to a registry run with the git commit. Exit "
            + "code 3: a gate failed and nothing was registered.")
    static final class Train implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "Last day of history to use (default: yesterday).")
        LocalDate date;

        @Option(names = "--param", paramLabel = "KEY=VALUE", description = "An XGBoost parameter over ml-pipelines.train.params (repeatable).")
        List<String> params = new ArrayList<>();

        @Option(names = "--min-auc", description = "The AUC floor gate (default ml-pipelines.train.min-auc).")
        Double minAuc;

        @Option(names = "--git-commit", description = "The commit the code was built from (default: env GIT_COMMIT, else git rev-parse HEAD).")
        String gitCommit;

        @Override
        public Integer call() throws Exception {
            Config config = LakeCommand.lakeConfig(options);
            Config t = config.getConfig("ml-pipelines.train");
            List<String> extra = new ArrayList<>(registryArguments(options, config));
            extra.addAll(List.of("--model", config.getString("ml-pipelines.model"),
                    "--cut-offs", t.getString("cut-offs"), "--cut-off-every-days", t.getString("cut-off-every-days"),
                    "--rounds", t.getString("rounds"), "--min-auc", minAuc != null ? minAuc.toString() : t.getString("min-auc"),
                    "--champion-tolerance", t.getString("champion-tolerance"),
                    "--git-commit", gitCommit != null ? gitCommit : gitCommit(config)));
            Map<String, String> merged = new LinkedHashMap<>();
            t.getConfig("params").entrySet().forEach(e -> merged.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
            for (String p : params) {
                int eq = p.indexOf('=');
                if (eq <= 0) {
                    System.err.println("Invalid --param " + p + ": expected key=value");
                    return 2;
                }
                merged.put(p.substring(0, eq), p.substring(eq + 1));
            }
            merged.forEach((k, v) -> extra.addAll(List.of("--param", k + "=" + v)));
            LocalDate last = date != null ? date : LocalDate.now(ZoneOffset.UTC);
            return new SparkJobLauncher(config, MODULE, MAIN).run("train", last, last, extra,
                    Map.of("ML_REGISTRY_TOKEN", config.getString("ml-pipelines.registry-token")));
        }
    }

    @Command(name = "score", description = "Scores with the champion the users whose features changed since their last "
            + "score (all of them after a promotion), writes ml.churn_scores (the day's rows replaced) and loads every "
            + "user's current score into Redis as a new run, switched in atomically (the previous run is kept for rollback).")
    static final class Score implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The day whose features are scored (default: today, UTC).")
        LocalDate date;

        @Option(names = "--skip-without-champion", description = "Exit 0 (a skipped run) when the model has no champion yet "
                + "(what the batch_scoring DAG does, so a new platform's days do not fail).")
        boolean skipWithoutChampion;

        @Override
        public Integer call() throws Exception {
            Config config = FeaturesCommand.withRedis(options, LakeCommand.lakeConfig(options));
            RedisAccess redis = RedisAccess.from(config);
            List<String> extra = new ArrayList<>(registryArguments(options, config));
            extra.addAll(List.of("--model", config.getString("ml-pipelines.model"), "--redis-url", redis.url(),
                    "--chunk-size", config.getString("ml-pipelines.score.chunk-size"),
                    "--skip-without-champion", String.valueOf(skipWithoutChampion)));
            if (!redis.username().isBlank()) {
                extra.addAll(List.of("--redis-username", redis.username()));
            }
            if (!redis.caFile().isBlank()) {
                extra.addAll(List.of("--redis-ca-file", redis.caFile()));
            }
            if (redis.insecure()) {
                extra.addAll(List.of("--redis-insecure", "true"));
            }
            LocalDate day = date != null ? date : LocalDate.now(ZoneOffset.UTC);
            return new SparkJobLauncher(config, MODULE, MAIN).run("score", day, day, extra,
                    Map.of("ML_REGISTRY_TOKEN", config.getString("ml-pipelines.registry-token"),
                            "ML_REDIS_PASSWORD", redis.password()));
        }
    }

    @Command(name = "churn-list", description = "The users most likely to churn (each user's latest score in "
            + "ml.churn_scores), highest first, e.g. for a promotion email.")
    static final class ChurnListCommand implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--min-score", defaultValue = "0.7", description = "Only scores at least this (default 0.7).")
        double minScore;

        @Option(names = "--top", defaultValue = "100", description = "At most this many users (default 100).")
        int top;

        @Option(names = "--output", paramLabel = "FILE.csv", description = "Write CSV there instead of printing a table.")
        Path output;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "Scores as of this day (default: today).")
        LocalDate date;

        @Override
        public Integer call() throws Exception {
            Config config = LakeCommand.lakeConfig(options);
            List<String> extra = new ArrayList<>(List.of("--min-score", String.valueOf(minScore), "--top", String.valueOf(top)));
            if (output != null) {
                extra.addAll(List.of("--output", output.toAbsolutePath().toString()));
            }
            LocalDate day = date != null ? date : LocalDate.now(ZoneOffset.UTC);
            return new SparkJobLauncher(config, MODULE, MAIN).run("churn-list", day, day, extra);
        }
    }

    @Command(name = "rollback", description = "Points the scores API back at the previous scoring run (the current one "
            + "becomes the previous, so running it again undoes the rollback).")
    static final class Rollback implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Override
        public Integer call() throws Exception {
            Config config = FeaturesCommand.withRedis(options, options.load());
            String now = ScoreLoader.rollback(RedisAccess.from(config), ScoreKeys.of(config.getString("ml-pipelines.model")));
            if (now.isEmpty()) {
                System.err.println("No previous scoring run to roll back to");
                return 1;
            }
            System.out.println("The scores API now serves run " + now);
            return 0;
        }
    }

    @Command(name = "await-features", description = "Exit 0 when the feature store built the day's features (every "
            + "view), else 1 with the reason: the batch_scoring DAG's first task, retried until then.")
    static final class AwaitFeatures implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Override
        public Integer call() throws Exception {
            RunHistory history = LakeCommand.runHistory(LakeCommand.lakeConfig(options));
            List<String> views = dev.noexcuses.features.definition.FeatureRegistry.shipped().names();
            List<String> missing = views.stream().filter(v -> history.latest("features." + v, date)
                    .filter(r -> r.status() == JobRun.Status.SUCCEEDED).isEmpty()).toList();
            if (missing.isEmpty()) {
                System.out.println("The features of " + date + " are built: " + views);
                return 0;
            }
            System.out.println("The features of " + date + " are not built yet for " + missing + ": waiting for daily_features");
            return 1;
        }
    }

    /** The registry the pipelines log to: model-registry.client.url, else the one the platform on the data directory runs. */
    static List<String> registryArguments(ConfigOptions options, Config config) throws IOException {
        String url = config.getString("model-registry.client.url");
        if (url.isBlank()) {
            Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive);
            url = state.flatMap(s -> s.components().stream().filter(c -> c.name().equals("model-registry")).findFirst())
                    .map(c -> c.endpoints().getOrDefault("mlflow", "")).orElse("");
        }
        if (url.isBlank()) {
            throw new IllegalStateException("No model registry: start ./platform up on " + options.dataDir(config)
                    + ", or set model-registry.client.url");
        }
        return List.of("--registry-url", url);
    }

    /** The commit the platform was built from: git rev-parse HEAD in platform.home, "+dirty" with local changes. */
    static String gitCommit(Config config) {
        String fromEnv = System.getenv("GIT_COMMIT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        String home = config.getString("platform.home");
        String head = git(home, "rev-parse", "HEAD");
        if (head.isBlank()) {
            return "unknown";
        }
        return git(home, "status", "--porcelain", "--untracked-files=no").isBlank() ? head : head + "+dirty";
    }

    private static String git(String dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "";
            }
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
