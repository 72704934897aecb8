package dev.noexcuses.ml.score;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.lakehouse.Progress;
import dev.noexcuses.ml.ModelFeatures;
import dev.noexcuses.ml.scores.ScoreEntry;
import dev.noexcuses.ml.scores.ScoreKeys;
import dev.noexcuses.ml.scores.ScoreLoader;
import dev.noexcuses.ml.scores.SegmentPriors;
import dev.noexcuses.ml.train.ChurnModel;
import dev.noexcuses.registry.client.RegistryClient;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The batch deployment pipeline of one day: the champion resolved in the registry and its model file loaded; the
 * users whose features changed since they were last scored (or who were scored by another version) selected; those
 * scored on Spark with the same XGBoost model file; their rows written to {@code ml.churn_scores} (the day's
 * partition replaced, so a re-run gives the same rows); then every user's current score, the segment priors and the
 * base rate loaded into Redis as a new run, switched in atomically ({@link ScoreLoader}).
 */
public final class ScoringPipeline {
    /** Rows per XGBoost matrix inside a Spark task. */
    public static final int BATCH = 4096;

    /** What to score: the model, the day (its features as of the day's end), the Redis chunk size. */
    public record Settings(String model, LocalDate day, int chunkSize) {
        public Settings {
            requireNonNull(model, "model is null");
            requireNonNull(day, "day is null");
        }
    }

    /** The model has no champion: there is nothing to score with. */
    public static final class NoChampionException extends IllegalStateException {
        NoChampionException(String message) {
            super(message);
        }
    }

    /** What a run did. */
    public record Outcome(String runId, int modelVersion, long candidates, long scored, long loaded, String replacedRun,
                          double baseRate, Duration oldestFeatureAge) {}

    private final SparkSession spark;
    private final RegistryClient registry;
    private final RedisAccess redis;
    private final ModelFeatures features;
    private final Progress progress;

    public ScoringPipeline(SparkSession spark, RegistryClient registry, RedisAccess redis, ModelFeatures features,
                           Progress progress) {
        this.spark = requireNonNull(spark, "spark is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.redis = requireNonNull(redis, "redis is null");
        this.features = requireNonNull(features, "features is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    public Outcome run(Settings s, ScoreLoader.ChunkListener listener) {
        Instant started = Instant.now();
        RegistryClient.ResolvedModel champion = registry.tryResolve(s.model(), "champion").orElseThrow(() ->
                new NoChampionException("Model '" + s.model() + "' has no champion yet: train one (./platform ml train) "
                        + "and promote it (./platform models request-promotion ..., approved by another user)"));
        byte[] file = registry.downloadModel(champion);
        List<String> modelFeatures;
        try (ChurnModel model = ChurnModel.load(file)) {
            modelFeatures = model.featureNames();
        }
        progress.line("  [score] %s@champion is v%d (run %s), %d features; scoring the features of %s", s.model(),
                champion.version(), champion.runId(), modelFeatures.size(), s.day());
        ScoresTable.ensure(spark);
        spark.udf().register("needs_score", (UDF4<Integer, Timestamp, Timestamp, Integer, Boolean>)
                ScoreSelection::needsScore, DataTypes.BooleanType);

        Instant asOf = s.day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Dataset<Row> current = currentFeatures(asOf, s.day());
        current.createOrReplaceTempView("ml_current_features");
        Dataset<Row> candidates = spark.sql("""
                SELECT f.*, p.model_version AS previous_version, p.features_built_at AS previous_built_at
                FROM ml_current_features f LEFT JOIN (%s) p ON f.user_key = p.user_key
                """.formatted(previousScores(s.day()))).cache();
        long candidateCount = candidates.count();
        Dataset<Row> selected = candidates.where(functions.call_udf("needs_score", functions.col("previous_version"),
                functions.col("previous_built_at"), functions.col("features_built_at"), functions.lit(champion.version())));

        List<String> columns = new ArrayList<>(List.of("user_key", "feature_time", "features_built_at", "country_code",
                "device"));
        List<String> available = List.of(current.columns());
        List<org.apache.spark.sql.Column> input = new ArrayList<>();
        columns.forEach(c -> input.add(functions.col(c)));
        for (String f : modelFeatures) {
            input.add(available.contains(f) ? functions.col(f).cast("double").as(f) : functions.lit(null).cast("double").as(f));
        }
        Dataset<Row> toScore = selected.select(input.toArray(new org.apache.spark.sql.Column[0]));
        Broadcast<byte[]> broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(file);
        Dataset<Row> scored = PartitionScorer.score(spark, toScore, broadcast, BATCH);

        String runId = s.day() + "-" + UUID.randomUUID().toString().substring(0, 8);
        Instant scoredAt = Instant.now();
        Dataset<Row> rows = scored.select(functions.col("user_key"), functions.col("score"),
                functions.lit(s.model()).as("model_name"), functions.lit(champion.version()).as("model_version"),
                functions.col("feature_time"), functions.col("features_built_at"),
                functions.lit(Timestamp.from(scoredAt)).as("scored_at"), functions.lit(java.sql.Date.valueOf(s.day())).as("run_date"),
                functions.lit(runId).as("run_id"), functions.col("country_code"), functions.col("device"));
        Instant t = Instant.now();
        try {
            rows.writeTo(ScoresTable.TABLE).overwrite(functions.col("run_date").equalTo(functions.lit(java.sql.Date.valueOf(s.day()))));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot write " + ScoresTable.TABLE + ": " + e.getMessage(), e);
        }
        candidates.unpersist();
        long scoredCount = spark.sql("SELECT count(*) FROM " + ScoresTable.TABLE + " WHERE run_date = DATE '" + s.day() + "'")
                .first().getLong(0);
        progress.stage("score", "scored " + ScoresTable.TABLE + " (" + candidateCount + " with features)", scoredCount, t);
        broadcast.destroy();

        t = Instant.now();
        Dataset<Row> latest = spark.sql(ScoresTable.currentScores(s.day())).cache();
        Row totals = latest.selectExpr("count(*)", "avg(score)", "min(feature_time)").first();
        double baseRate = totals.isNullAt(1) ? Double.NaN : totals.getDouble(1);
        Map<String, double[]> sums = new HashMap<>();
        for (Row r : latest.groupBy("country_code", "device").agg(functions.sum("score"), functions.count("*")).collectAsList()) {
            sums.put(SegmentPriors.segment(r.getString(0), r.getString(1)), new double[] {r.getDouble(2), r.getLong(3)});
        }
        Map<String, SegmentPriors.Prior> priors = SegmentPriors.of(sums, baseRate);
        Iterator<Row> users = latest.select("user_key", "score", "model_version", "feature_time", "scored_at").toLocalIterator();
        Iterator<ScoreLoader.UserScore> entries = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return users.hasNext();
            }

            @Override
            public ScoreLoader.UserScore next() {
                Row r = users.next();
                return new ScoreLoader.UserScore(r.getString(0), new ScoreEntry(r.getDouble(1), r.getInt(2),
                        r.getTimestamp(3).toInstant(), r.getTimestamp(4).toInstant()));
            }
        };
        ScoreLoader.Outcome loaded = new ScoreLoader(redis, ScoreKeys.of(s.model()), s.chunkSize()).load(
                new ScoreLoader.RunMeta(runId, s.model(), champion.version(), scoredAt, baseRate), entries, priors, listener);
        latest.unpersist();
        Duration oldest = totals.isNullAt(2) ? Duration.ZERO : Duration.between(totals.getTimestamp(2).toInstant(), Instant.now());
        progress.stage("score", "loaded into Redis as run " + runId, loaded.users(), t);
        progress.line("  [score] Redis now serves run %s (%,d users, %d segment priors, base rate %.4f; replaced %s, kept for "
                        + "rollback); oldest feature time %s ago; %.1f s in all", runId, loaded.users(), priors.size(), baseRate,
                loaded.replaced().isEmpty() ? "nothing" : loaded.replaced(), human(oldest),
                Duration.between(started, Instant.now()).toMillis() / 1000.0);
        return new Outcome(runId, champion.version(), candidateCount, scoredCount, loaded.users(), loaded.replaced(), baseRate,
                oldest);
    }

    /**
     * Per user, each view's latest row usable at {@code asOf} (at or before it, within the view's TTL), the views
     * side by side; with the user's latest country and device, and the newest feature and build time of its views.
     */
    private Dataset<Row> currentFeatures(Instant asOf, LocalDate day) {
        List<String> withs = new ArrayList<>();
        List<String> selects = new ArrayList<>();
        List<String> times = new ArrayList<>();
        List<String> builds = new ArrayList<>();
        String from = null;
        String key = null;
        long asOfMicros = asOf.toEpochMilli() * 1000;
        for (FeatureView v : features.views()) {
            if (!spark.catalog().tableExists(v.table())) {
                throw new IllegalStateException(v.table() + " does not exist yet: build the features first (./platform features build)");
            }
            String alias = "v_" + v.name();
            List<String> cols = new ArrayList<>();
            for (Feature f : v.features()) {
                cols.add("f." + f.name());
                selects.add(alias + "." + f.name() + " AS " + ModelFeatures.column(v, f));
            }
            long ttl = v.ttl().toNanos() / 1000;
            withs.add("""
                    %1$s AS (SELECT * FROM (
                      SELECT f.%2$s AS user_key, f.feature_time, f.built_at, %3$s,
                             row_number() OVER (PARTITION BY f.%2$s ORDER BY f.feature_time DESC) AS position
                      FROM %4$s f WHERE f.feature_date BETWEEN DATE '%5$s' AND DATE '%6$s'
                        AND unix_micros(f.feature_time) <= %7$d AND unix_micros(f.feature_time) > %7$d - %8$d)
                      WHERE position = 1)""".formatted(alias, v.entity().joinKey(), String.join(", ", cols), v.table(),
                    day.minusDays(v.ttl().toDays() + 1), day, asOfMicros, ttl));
            times.add(alias + ".feature_time");
            builds.add(alias + ".built_at");
            String k = alias + ".user_key";
            if (from == null) {
                from = alias;
                key = k;
            } else {
                from += " FULL OUTER JOIN " + alias + " ON " + alias + ".user_key = " + key;
                key = "coalesce(" + key + ", " + k + ")";
            }
        }
        String greatestTime = times.size() == 1 ? times.get(0) : "greatest(" + String.join(", ", times) + ")";
        String greatestBuild = builds.size() == 1 ? builds.get(0) : "greatest(" + String.join(", ", builds) + ")";
        String sql = "WITH " + String.join(",\n", withs) + """
                ,
                segments AS (
                  SELECT user_key, max_by(country_code, session_start) AS country_code, max_by(device, session_start) AS device
                  FROM curated.sessions WHERE event_date BETWEEN DATE '%s' AND DATE '%s' AND user_key IS NOT NULL
                  GROUP BY user_key)
                SELECT u.*, s.country_code, s.device FROM (
                  SELECT %s AS user_key, %s AS feature_time, %s AS features_built_at, %s FROM %s) u
                LEFT JOIN segments s ON s.user_key = u.user_key
                """.formatted(day.minusDays(29), day, key, greatestTime, greatestBuild, String.join(", ", selects), from);
        return spark.sql(sql);
    }

    /** Each user's last score from the runs before {@code day} (a re-run of the day ignores the day's own rows). */
    private static String previousScores(LocalDate day) {
        return """
                SELECT user_key, model_version, features_built_at FROM (
                  SELECT user_key, model_version, features_built_at,
                         row_number() OVER (PARTITION BY user_key ORDER BY run_date DESC, scored_at DESC) AS position
                  FROM %s WHERE run_date < DATE '%s' AND run_date > DATE '%s')
                WHERE position = 1
                """.formatted(ScoresTable.TABLE, day, day.minusDays(ScoresTable.RETENTION_DAYS));
    }

    static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 86400 ? String.format("%dd%02dh", s / 86400, s % 86400 / 3600)
                : s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : s + "s";
    }
}
