package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.orchestrator.dag.DagCatalog;
import dev.noexcuses.orchestrator.dag.ShippedDags;
import dev.noexcuses.orchestrator.run.DagRun;
import dev.noexcuses.orchestrator.run.DagRuns;
import dev.noexcuses.orchestrator.run.Database;
import dev.noexcuses.orchestrator.run.TaskInstance;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.runtime.RunningService;
import dev.noexcuses.registry.client.RegistryClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the demo builds from the past traffic it sent, the way production builds it, with progress:
 * <ol>
 *   <li>the days before today in one run of the lakehouse jobs and one feature build over the range (what a
 *       user does to backfill history: one Spark job per step, not one per day, on the Spark job host);</li>
 *   <li>today through the orchestrator's daily DAGs ({@code daily_lakehouse}, then {@code daily_features},
 *       which also materialises the features into Redis), as every later day is built;</li>
 *   <li>with enough history, the churn model: trained ({@code ./platform ml train}), promoted to champion through
 *       the registry's guarded promotion (the demo requests as the data scientist and approves as the reviewer,
 *       the two shipped local users), users scored by the {@code batch_scoring} DAG into the lake and Redis, and a
 *       few answers of the scores API, one of them a new user's fallback.</li>
 * </ol>
 */
final class DemoHistoryBuild {
    /**
     * Complete days the churn labels need for two cut-offs a week apart: 7 days of activity before the first, 14
     * after the last to see who came back (see docs/ml-pipelines.md).
     */
    static final int TRAINING_DAYS = 28;

    private final PlatformRuntime runtime;
    private final Config config;
    private final List<String> platformArguments;
    private final LocalDate from;
    private final LocalDate to;
    /** The simulated users' ids by their user keys in the lake (the pseudonyms of the ids, when user_id is pseudonymised). */
    private final java.util.Map<String, String> userIdsByKey = new java.util.LinkedHashMap<>();

    /** The history's days {@code from..to} (UTC), its simulated users' ids, and the demo's own command-line options. */
    DemoHistoryBuild(PlatformRuntime runtime, List<String> platformArguments, LocalDate from, LocalDate to,
                     List<String> userIds) {
        this.runtime = runtime;
        this.config = runtime.serviceConfig();
        this.platformArguments = List.copyOf(platformArguments);
        this.from = from;
        this.to = to;
        Pseudonymiser pseudonymiser = Pseudonymiser.from(config);
        boolean pseudonymised = pseudonymiser.fields().contains("user_id");
        userIds.forEach(id -> userIdsByKey.put(pseudonymised ? pseudonymiser.hmac(id) : id, id));
    }

    void followInBackground() {
        System.out.println("The lake, features and model of the past traffic are built while the platform is up; progress "
                + "follows here, and on the console's Runs page.");
        Thread follower = new Thread(() -> {
            try {
                run();
            } catch (Exception e) {
                // Usually the platform stopping (Ctrl-C) under it (DAG runs resume at the next start); said either way.
                System.out.println("Building the past traffic stopped: " + e.getMessage());
                org.slf4j.LoggerFactory.getLogger(DemoHistoryBuild.class).warn("The demo's history build stopped", e);
            }
        }, "demo-history-build");
        follower.setDaemon(true);
        follower.start();
    }

    /** Builds everything in order, with progress; 0 unless a step failed for another reason than its data's quality. */
    int run() throws Exception {
        // Today, still going, goes through the daily DAGs as every later day will; the days before it are built as
        // one range (a DAG run per past day would cost a minute and more each).
        if (from.isBefore(to)) {
            LocalDate rangeTo = to.minusDays(1);
            long days = ChronoUnit.DAYS.between(from, to);
            heading("Building the lake model of %s..%s (%d days) in one run of the lakehouse jobs: ./platform lakehouse "
                    + "run all --from %s --to %s", from, rangeTo, days, from, rangeTo);
            int lake = platform("lakehouse", "run", "all", "--from", from.toString(), "--to", rangeTo.toString());
            if (lake != 0) {
                System.out.println("The lakehouse jobs over " + from + ".." + rangeTo + " ended with exit code " + lake
                        + (lake == 3 ? " (a day failed an error quality check: see above)" : "")
                        + "; nothing more is built from the history.");
                return lake == 3 ? 0 : 1;
            }
            heading("Building the features of %s..%s: ./platform features build --from %s --to %s", from, rangeTo,
                    from, rangeTo);
            int features = platform("features", "build", "--from", from.toString(), "--to", rangeTo.toString());
            if (features != 0 && features != 3) {
                System.out.println("The feature build ended with exit code " + features + "; nothing more is built.");
                return 1;
            }
        }
        Outcome lake = followAndPrint(backfill(ShippedDags.dailyLakehouse().id(), to, to,
                "each day runs quality -> curate -> sessions -> model, one Spark job at a time"));
        if (lake != Outcome.ALL_SUCCEEDED) {
            // The features of a day wait for its model: without one they would retry for hours.
            System.out.println("Features not built: not every day's lakehouse model was built (see above); "
                    + "./platform dags backfill daily_features --from " + to + " --to " + to + " builds them later.");
            return lake == Outcome.FAILED ? 1 : 0;
        }
        Outcome features = followAndPrint(backfill(ShippedDags.dailyFeatures().id(), to, to,
                "each day builds features.* from the day's model, then writes the changed rows into Redis"));
        System.out.println("Features: ./platform features list, ./platform features get USER_KEY (online, from Redis), "
                + "docs/feature-store.md");
        if (features != Outcome.ALL_SUCCEEDED) {
            return features == Outcome.FAILED ? 1 : 0;
        }
        long completeDays = ChronoUnit.DAYS.between(from, to);
        if (completeDays < TRAINING_DAYS) {
            System.out.printf("%nThe churn model is not trained: its labels need %d complete days of history and the demo "
                    + "sent %d (--history-days %d or more trains and scores it; docs/ml-pipelines.md).%n", TRAINING_DAYS,
                    completeDays, TRAINING_DAYS + 1);
            return 0;
        }
        return churnModel();
    }

    /** Trains, promotes, scores, and shows the scores API's answers; 0 unless a step failed (a failed gate is news). */
    private int churnModel() throws Exception {
        String model = config.getString("ml-pipelines.model");
        heading("Training the %s model on the lake's history: ./platform ml train", model);
        int train = platform("ml", "train");
        if (train == 3) {
            System.out.println("The model did not pass its gates (see above): nothing was registered, so nothing is scored.");
            return 0;
        }
        if (train != 0) {
            System.out.println("Training ended with exit code " + train + "; nothing is scored.");
            return 1;
        }
        String registryUrl = endpoint("model-registry", "mlflow")
                .orElseThrow(() -> new IllegalStateException("The model registry is not running: nothing to promote"));
        RegistryClient scientist = RegistryClient.create(URI.create(registryUrl),
                config.getString("model-registry.client.token"));
        int version = scientist.resolve(model, "challenger").version();
        Optional<String> approver = approverToken();
        if (approver.isEmpty()) {
            System.out.printf("Registered %s v%d as challenger. No approver token in model-registry.users to promote it "
                    + "with: ./platform models request-promotion %s %d --reason \"...\", then ./platform models approve "
                    + "REQUEST --token <approver token>, then ./platform ml score.%n", model, version, model, version);
            return 0;
        }
        long request = scientist.requestPromotion(model, "champion", version,
                "demo: trained on the demo's history, every gate passed");
        RegistryClient.create(URI.create(registryUrl), approver.get()).approve(request,
                "demo: the demo approves its own model; in production another person reviews the gates first");
        System.out.printf("Promoted %s v%d to champion: requested as the data scientist, approved as the reviewer (the "
                + "demo plays both shipped users; in production a second person approves: ./platform models show %s).%n",
                model, version, model);

        Outcome scoring = followAndPrint(backfill(ShippedDags.batchScoring().id(), to, to,
                "scores with the champion the users whose features changed, into ml.churn_scores and Redis"));
        if (scoring != Outcome.ALL_SUCCEEDED) {
            return 1;
        }
        printScores(model);
        return 0;
    }

    /**
     * The scores API's answers: asked for every simulated user, the three most likely to churn and how many had a score
     * (a user without recent activity has no features, so no score: it gets the fallback), then a brand-new visitor's
     * fallback.
     */
    private void printScores(String model) throws Exception {
        Optional<String> endpoint = endpoint("scores-api", "api");
        if (endpoint.isEmpty()) {
            System.out.println("The scores API is not running (ml-pipelines.scores.enabled = false): the scores are in "
                    + "ml.churn_scores and Redis; ./platform ml churn-list --top 10 lists the likeliest churners.");
            return;
        }
        String api = endpoint.get();
        String token = config.getString("ml-pipelines.scores.token");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<JsonNode> scored = new ArrayList<>();
        for (String user : userIdsByKey.keySet()) {
            JsonNode answer = score(http, api, token, user, "");
            if (answer != null && !answer.path("fallback").asBoolean()) {
                scored.add(answer);
            }
        }
        scored.sort(java.util.Comparator.comparingDouble((JsonNode n) -> n.path("score").asDouble()).reversed());
        System.out.println();
        System.out.printf("The scores API (GET %s, with the admin token): %d of the %d simulated users have a score from "
                + "this run; the others had no activity in the features' windows and get the fallback. A user's key is "
                + "the pseudonym of its id (pseudonymisation.*), as everywhere in the lake.%n", api,
                scored.size(), userIdsByKey.size());
        System.out.printf("  %-24s %7s %-10s %s%n", "USER", "SCORE", "MODEL", "FROM");
        List<JsonNode> shown = new ArrayList<>(scored.subList(0, Math.min(3, scored.size())));
        JsonNode newcomer = score(http, api, token, "new-visitor", "?country=US&device=mobile");
        if (newcomer != null) {
            shown.add(newcomer);
        }
        for (JsonNode s : shown) {
            String source = s.path("fallback").asBoolean()
                    ? "fallback: " + s.path("fallback_kind").asText() + (s.has("segment") ? " " + s.path("segment").asText()
                            + " (" + s.path("segment_users").asLong() + " users)" : "")
                    : "run " + s.path("run").asText() + ", features of " + s.path("feature_time").asText();
            String key = s.path("user_key").asText();
            String user = userIdsByKey.containsKey(key) ? userIdsByKey.get(key) + " (" + key.substring(0, Math.min(8, key.length()))
                    + "...)" : key + " (new)";
            System.out.printf("  %-24s %7.3f %-10s %s%n", user, s.path("score").asDouble(),
                    model + " v" + s.path("model_version").asInt(), source);
        }
        System.out.println("Users most likely to churn (e.g. for a promotion email): ./platform ml churn-list --min-score "
                + "0.7 --top 100; the training run: ./platform runs experiments; console: Models (docs/ml-pipelines.md)");
    }

    /** The API's answer for a user (null, said, when it did not answer 200). */
    private static JsonNode score(HttpClient http, String api, String token, String user, String query) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.replace("{user_key}",
                        URLEncoder.encode(user, StandardCharsets.UTF_8)) + query))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            System.out.printf("  the scores API answered %s with HTTP %d: %s%n", user, answer.statusCode(), answer.body());
            return null;
        }
        return Json.mapper().readTree(answer.body());
    }

    /** A shipped or configured approver's token in clear, if there is one (hashed tokens cannot be sent). */
    private Optional<String> approverToken() {
        return config.getConfigList("model-registry.users").stream()
                .filter(u -> u.getStringList("roles").contains("approver"))
                .map(u -> u.getString("token"))
                .filter(t -> !t.isBlank() && !t.startsWith("sha256:"))
                .findFirst();
    }

    /** A running service's endpoint; empty when the service is not running (disabled). */
    private Optional<String> endpoint(String service, String name) {
        return runtime.services().stream().filter(s -> s.name().equals(service)).findFirst()
                .map(RunningService::endpoints).map(e -> e.get(name));
    }

    /** Another {@code ./platform} command on this platform, its output on this console; its exit code. */
    private int platform(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(platformArguments);
        return Commands.execute(args.toArray(String[]::new));
    }

    private static void heading(String format, Object... args) {
        System.out.println();
        System.out.printf(format + "%n", args);
    }

    private List<DagRun> backfill(String dag, LocalDate first, LocalDate last, String what) {
        try (Database db = DagsCommand.open(config)) {
            List<DagRun> queued = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC()).backfill(dag, first, last);
            System.out.println();
            System.out.printf("Queued %d run(s) of %s for %s..%s (./platform dags backfill %s --from %s --to %s): %s%n",
                    queued.size(), dag, first, last, dag, first, last, what);
            return queued;
        }
    }

    /** How a backfill ended: every run succeeded; some stopped only on their data's quality checks; or some failed. */
    private enum Outcome { ALL_SUCCEEDED, QUALITY_STOPPED, FAILED }

    private Outcome followAndPrint(List<DagRun> queued) throws InterruptedException {
        try (Database db = DagsCommand.open(config)) {
            DagRuns runs = new DagRuns(db, DagCatalog.shipped(), Clock.systemUTC());
            new DagsCommand.Progress(runs, config, db).follow(queued);
            System.out.println();
            System.out.printf("  %-16s %-10s %-8s %9s  %s%n", "DAG", "DAY", "STATE", "DURATION", "TASKS");
            boolean failedOtherwise = false;
            boolean allSucceeded = true;
            for (DagRun r : queued) {
                DagRun now = runs.refresh(r);
                List<TaskInstance> tasks = runs.tasks(now);
                System.out.printf("  %-16s %-10s %-8s %9s  %s%n", now.dagId(), now.date(), now.state(),
                        now.startedAt() == null || now.endedAt() == null ? "-"
                                : DagsCommand.human(Duration.between(now.startedAt(), now.endedAt())),
                        DagsCommand.tasksLine(tasks));
                if (now.reason() != null) {
                    System.out.printf("  %-16s %s%n", "", "why: " + now.reason());
                }
                // A day that fails its quality checks is news, not a broken demo.
                boolean qualityStopped = tasks.stream().anyMatch(t -> t.taskId().equals("quality")
                        && t.state().equals("failed"));
                failedOtherwise |= !now.state().equals("success") && !qualityStopped;
                allSucceeded &= now.state().equals("success");
            }
            System.out.println("Runs, attempts and logs: ./platform dags runs " + queued.get(0).dagId()
                    + " --date DAY, or the console's Runs page");
            return failedOtherwise ? Outcome.FAILED : allSucceeded ? Outcome.ALL_SUCCEEDED : Outcome.QUALITY_STOPPED;
        }
    }
}
