package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Aggregation;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.online.FeatureValue;
import dev.noexcuses.features.online.OnlineFeatures;
import dev.noexcuses.features.online.OnlineStore;
import dev.noexcuses.lakehouse.runs.JobRun;
import dev.noexcuses.platform.jobs.SparkJobLauncher;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./platform features ...}: the feature store's definitions, builds, training sets, materialisation and reads. */
@Command(name = "features", description = "The feature store: views defined in code, built into features.* by Spark, "
        + "materialised to Redis, read online with their age and freshness.",
        subcommands = {FeaturesCommand.ListViews.class, FeaturesCommand.Describe.class, FeaturesCommand.Build.class,
                FeaturesCommand.Materialize.class, FeaturesCommand.TrainingSet.class, FeaturesCommand.Get.class,
                FeaturesCommand.AwaitLakehouse.class})
final class FeaturesCommand implements Runnable {
    static final String MAIN = "dev.noexcuses.features.FeatureStoreMain";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "list", description = "The feature views: entity, source, features, TTL, owner.")
    static final class ListViews implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            FeatureRegistry registry = FeatureRegistry.shipped();
            if (json) {
                ArrayNode out = Json.mapper().createArrayNode();
                registry.views().forEach(v -> out.add(describe(v)));
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            System.out.printf("%-16s %-6s %-18s %8s %-8s %-8s %-18s %s%n", "VIEW", "ENTITY", "SOURCE", "FEATURES", "TTL",
                    "STALE", "OWNER", "DESCRIPTION");
            for (FeatureView v : registry.views()) {
                System.out.printf("%-16s %-6s %-18s %8d %-8s %-8s %-18s %s%n", v.name(), v.entity().name(), v.source().name(),
                        v.features().size(), human(v.ttl()), human(v.staleAfter()), v.owner(), v.description());
            }
            return 0;
        }
    }

    @Command(name = "describe", description = "One feature view: its features, their types, windows and meaning.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "VIEW")
        String view;

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            FeatureRegistry registry = FeatureRegistry.shipped();
            Optional<FeatureView> found = registry.find(view);
            if (found.isEmpty()) {
                System.err.println("No feature view named '" + view + "': views are " + registry.names());
                return 2;
            }
            FeatureView v = found.get();
            if (json) {
                System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(describe(v)));
                return 0;
            }
            System.out.printf("%s: %s%n", v.name(), v.description());
            System.out.printf("  entity     %s (key %s: %s)%n", v.entity().name(), v.entity().joinKey(), v.entity().description());
            System.out.printf("  source     %s, by %s%n", v.source().name(), v.source().dayColumn());
            System.out.printf("  offline    %s (one row per %s and day; feature_time = the end of the day, UTC)%n",
                    v.table(), v.entity().joinKey());
            System.out.printf("  online     Redis hash fs:%s:<%s>, fields %s:<feature>%n", v.entity().name(),
                    v.entity().joinKey(), v.name());
            System.out.printf("  ttl        %s (older values are missing, offline and online); stale after %s%n",
                    human(v.ttl()), human(v.staleAfter()));
            System.out.printf("  windows    %s days%n", v.windows());
            System.out.printf("  owner      %s%n", v.owner());
            System.out.printf("  daily aggregations:%n");
            for (Map.Entry<String, Aggregation> e : v.aggregations().entrySet()) {
                System.out.printf("    %-18s %s%n", e.getKey(), e.getValue());
            }
            System.out.printf("  %-28s %-7s %s%n", "FEATURE", "TYPE", "DESCRIPTION");
            for (Feature f : v.features()) {
                System.out.printf("  %-28s %-7s %s%n", f.name(), f.type().name().toLowerCase(), f.description());
            }
            return 0;
        }
    }

    static ObjectNode describe(FeatureView v) {
        ObjectNode node = Json.mapper().createObjectNode().put("name", v.name()).put("description", v.description())
                .put("owner", v.owner()).put("entity", v.entity().name()).put("key", v.entity().joinKey())
                .put("source", v.source().name()).put("table", v.table()).put("ttl_seconds", v.ttl().toSeconds())
                .put("stale_after_seconds", v.staleAfter().toSeconds());
        ArrayNode windows = node.putArray("windows");
        v.windows().forEach(windows::add);
        ArrayNode features = node.putArray("features");
        for (Feature f : v.features()) {
            features.addObject().put("name", f.name()).put("type", f.type().name().toLowerCase())
                    .put("description", f.description());
        }
        return node;
    }

    static final class Days {
        @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "One day (UTC).")
        LocalDate date;

        @ArgGroup(exclusive = false)
        LakehouseCommand.Range range;
    }

    @Command(name = "build", description = "Builds the views' offline rows (features.<view>) for a day or a range, in a "
            + "Spark JVM of its own, and checks them (nulls, ranges, drift into quality.check_results). A day built again "
            + "is replaced. Exit code 3: an error check failed (the rows are written).")
    static final class Build implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Days days;

        @Option(names = "--views", split = ",", paramLabel = "VIEW", description = "Only these views (default: all).")
        List<String> views = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            FeatureRegistry.shipped().select(views);
            Config config = LakeCommand.lakeConfig(options);
            LocalDate from = days.date != null ? days.date : days.range.from;
            LocalDate to = days.date != null ? days.date : days.range.to;
            if (to.isBefore(from)) {
                System.err.println("--to " + to + " is before --from " + from);
                return 2;
            }
            List<String> extra = new ArrayList<>(List.of("--block-days", config.getString("feature-store.block-days")));
            if (!views.isEmpty()) {
                extra.addAll(List.of("--views", String.join(",", views)));
            }
            return new SparkJobLauncher(config, "feature-store", MAIN).run("build", from, to, extra);
        }
    }

    @Command(name = "materialize", description = "Writes each entity's latest features into Redis: only entities with "
            + "rows built since the last run, in pipelined chunks; a run that stopped continues where it was.")
    static final class Materialize implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--views", split = ",", paramLabel = "VIEW", description = "Only these views (default: all).")
        List<String> views = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            FeatureRegistry.shipped().select(views);
            Config config = withRedis(options, LakeCommand.lakeConfig(options));
            RedisAccess redis = RedisAccess.from(config);
            List<String> extra = new ArrayList<>(List.of("--redis-url", redis.url(), "--chunk-size",
                    config.getString("feature-store.chunk-size")));
            if (!redis.username().isBlank()) {
                extra.addAll(List.of("--redis-username", redis.username()));
            }
            if (!redis.caFile().isBlank()) {
                extra.addAll(List.of("--redis-ca-file", redis.caFile()));
            }
            if (redis.insecure()) {
                extra.addAll(List.of("--redis-insecure", "true"));
            }
            if (!views.isEmpty()) {
                extra.addAll(List.of("--views", String.join(",", views)));
            }
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            return new SparkJobLauncher(config, "feature-store", MAIN).run("materialize", today, today, extra,
                    Map.of("FEATURES_REDIS_PASSWORD", redis.password()));
        }
    }

    @Command(name = "training-set", description = "A point-in-time training set: for each label row (user_key, "
            + "label_time, label) the views' latest values known at label_time and within their TTL, written as "
            + "training.<name> with the feature snapshots it read.")
    static final class TrainingSet implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--labels", required = true, paramLabel = "TABLE",
                description = "The labels: a lake table (e.g. ml.churn_labels) or parquet:/path/to/files.")
        String labels;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Writes training.<NAME>.")
        String name;

        @Option(names = "--views", split = ",", paramLabel = "VIEW", description = "Only these views (default: all).")
        List<String> views = new ArrayList<>();

        @Option(names = "--snapshots", paramLabel = "VIEW=ID,...",
                description = "Read these feature-table snapshots (to rebuild a set exactly, as printed when it was built).")
        String snapshots;

        @Override
        public Integer call() throws Exception {
            FeatureRegistry.shipped().select(views);
            Config config = LakeCommand.lakeConfig(options);
            List<String> extra = new ArrayList<>(List.of("--labels", labels, "--name", name));
            if (!views.isEmpty()) {
                extra.addAll(List.of("--views", String.join(",", views)));
            }
            if (snapshots != null) {
                extra.addAll(List.of("--snapshots", snapshots));
            }
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            return new SparkJobLauncher(config, "feature-store", MAIN).run("training-set", today, today, extra);
        }
    }

    @Command(name = "get", description = "The online features of entity keys, with each value's age and status "
            + "(fresh, stale, missing), read from Redis.")
    static final class Get implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Parameters(paramLabel = "KEY", arity = "1..*", description = "user_key values")
        List<String> keys;

        @Option(names = "--features", split = ",", paramLabel = "VIEW[:FEATURE]",
                description = "Which features (default: all).")
        List<String> features = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON for machines.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Config config = withRedis(options, options.load());
            try (OnlineStore store = new OnlineStore(RedisAccess.from(config), FeatureRegistry.shipped(),
                    Clock.systemUTC())) {
                List<OnlineFeatures> read = store.read(keys, features);
                if (json) {
                    ArrayNode out = Json.mapper().createArrayNode();
                    for (OnlineFeatures r : read) {
                        ObjectNode node = out.addObject().put("key", r.key());
                        ObjectNode values = node.putObject("features");
                        r.values().forEach((name, v) -> values.putObject(name).put("status", v.status().label())
                                .put("age_seconds", v.age() == null ? null : v.age().toMillis() / 1000.0)
                                .set("value", Json.mapper().valueToTree(v.value())));
                    }
                    System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
                    return 0;
                }
                for (OnlineFeatures r : read) {
                    System.out.println(r.key());
                    for (Map.Entry<String, FeatureValue> e : r.values().entrySet()) {
                        FeatureValue v = e.getValue();
                        System.out.printf("  %-40s %-14s %-8s %s%n", e.getKey(), v.value() == null ? "-" : v.value(),
                                v.status().label(), v.age() == null ? "" : "age " + human(v.age()));
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "await-lakehouse", description = "Exit 0 when the lakehouse model of the day was built (the "
            + "daily_features DAG's first task), else 1 with the reason: the orchestrator retries it.")
    static final class AwaitLakehouse implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Option(names = "--date", required = true, paramLabel = "YYYY-MM-DD")
        LocalDate date;

        @Override
        public Integer call() throws Exception {
            Optional<JobRun> last = LakeCommand.runHistory(LakeCommand.lakeConfig(options)).latest("model", date);
            if (last.isPresent() && last.get().status() == JobRun.Status.SUCCEEDED) {
                System.out.println("The lakehouse model of " + date + " was built at " + last.get().finishedAt());
                return 0;
            }
            System.out.println("The lakehouse model of " + date + " is not built yet"
                    + last.map(r -> " (its last run " + r.status().name().toLowerCase() + ")").orElse("")
                    + ": waiting for daily_lakehouse");
            return 1;
        }
    }

    /** {@code config} with the Redis of the platform running on the data directory, unless redis.url is configured. */
    static Config withRedis(ConfigOptions options, Config config) throws Exception {
        if (!config.getString("redis.url").isBlank()) {
            return config;
        }
        Optional<RuntimeState> state = RuntimeState.awaitStarted(options.dataDir(config), System.err,
                Connections.STARTING_PLATFORM_WAIT);
        Map<String, String> redis = new LinkedHashMap<>();
        state.ifPresent(s -> s.serviceConfig().forEach((k, v) -> {
            if (k.startsWith("redis.")) {
                redis.put(k, v);
            }
        }));
        if (redis.getOrDefault("redis.url", "").isBlank()) {
            throw new IllegalStateException("No Redis: start ./platform up on this data directory, or set redis.url "
                    + "(--set or platform.conf)");
        }
        return ConfigFactory.parseMap(redis).withFallback(config);
    }

    static String human(java.time.Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0 && s > 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s >= 3600) {
            return String.format("%dh%02dm", s / 3600, s % 3600 / 60);
        }
        return s >= 60 ? s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s") : s + "s";
    }
}
