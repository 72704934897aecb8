package dev.noexcuses.orchestrator.dag;

import java.time.Duration;
import java.time.ZoneId;

/** The DAGs that come with the platform. */
public final class ShippedDags {
    /** Pool of the Spark jobs: one slot, so jobs on a small machine run one at a time. */
    public static final String SPARK_POOL = "spark";

    private ShippedDags() {}

    /**
     * The lakehouse model of one day, built half an hour after the day ends in UTC (time for the batch
     * loader's last flush): data quality first, and only a day that passes its error-level checks is
     * curated, sessionised and modelled. Runs go one at a time, in date order, since each day's
     * deduplication reads the days before it.
     */
    public static Dag dailyLakehouse() {
        RetryPolicy retry = RetryPolicy.exponential(2, Duration.ofMinutes(1), Duration.ofMinutes(10));
        return Dag.named("daily_lakehouse")
                .description("Lakehouse model of one day: quality -> curate -> sessions -> model")
                .schedule("30 0 * * *", ZoneId.of("UTC"))
                .catchup(true)
                .maxActiveRuns(1)
                .task(lakehouseJob("quality", retry))
                .task(lakehouseJob("curate", retry, "quality"))
                .task(lakehouseJob("sessions", retry, "curate"))
                .task(lakehouseJob("model", retry, "sessions"))
                .build();
    }

    /**
     * The feature store's day, after the lakehouse's: waits until daily_lakehouse built the day's model (the
     * first task fails and is retried until then), builds the feature views' rows of the day, then writes what
     * changed into Redis. Runs go one at a time, in date order.
     */
    public static Dag dailyFeatures() {
        RetryPolicy retry = RetryPolicy.exponential(2, Duration.ofMinutes(1), Duration.ofMinutes(10));
        return Dag.named("daily_features")
                .description("Feature store of one day: wait for daily_lakehouse -> build features.* -> materialize to Redis")
                .schedule("0 2 * * *", ZoneId.of("UTC"))
                .catchup(true)
                .maxActiveRuns(1)
                .task(DagTask.named("lakehouse_ready")
                        .command("./platform", "features", "await-lakehouse", "--date", DagTask.DS)
                        .retry(RetryPolicy.exponential(12, Duration.ofMinutes(5), Duration.ofMinutes(30)))
                        .timeout(Duration.ofMinutes(5))
                        .build())
                .task(DagTask.named("build")
                        .command("./platform", "features", "build", "--date", DagTask.DS)
                        .after("lakehouse_ready")
                        .retry(retry)
                        .timeout(Duration.ofHours(1))
                        .pool(SPARK_POOL)
                        // Exit 3: the rows failed an error check; a retry would build the same rows.
                        .noRetryOnExit(3)
                        .build())
                .task(DagTask.named("materialize")
                        .command("./platform", "features", "materialize")
                        .after("build")
                        .retry(retry)
                        .timeout(Duration.ofHours(1))
                        .pool(SPARK_POOL)
                        .build())
                .build();
    }

    /**
     * The churn model's weekly training (Mondays, after the night's features): labels, training set, XGBoost, the
     * gates; a model that passes is registered as the challenger, and a person promotes it. Exit 3 (a gate failed)
     * is not retried: the same data would train the same model.
     */
    public static Dag mlTraining() {
        return Dag.named("ml_training")
                .description("Churn model training: labels -> training set -> XGBoost -> gates -> challenger")
                .schedule("0 4 * * 1", ZoneId.of("UTC"))
                .catchup(false)
                .maxActiveRuns(1)
                .task(DagTask.named("train")
                        .command("./platform", "ml", "train", "--date", DagTask.DS)
                        .retry(RetryPolicy.exponential(1, Duration.ofMinutes(5), Duration.ofMinutes(30)))
                        .timeout(Duration.ofHours(2))
                        .pool(SPARK_POOL)
                        .noRetryOnExit(3)
                        .build())
                .build();
    }

    /**
     * The day's batch scores, after the day's features: the users whose features changed are scored with the
     * champion into ml.churn_scores, and Redis switches to the new run.
     */
    public static Dag batchScoring() {
        RetryPolicy retry = RetryPolicy.exponential(2, Duration.ofMinutes(1), Duration.ofMinutes(10));
        return Dag.named("batch_scoring")
                .description("Churn batch scoring of one day: wait for daily_features -> score -> ml.churn_scores and Redis")
                .schedule("0 3 * * *", ZoneId.of("UTC"))
                .catchup(true)
                .maxActiveRuns(1)
                .task(DagTask.named("features_ready")
                        .command("./platform", "ml", "await-features", "--date", DagTask.DS)
                        .retry(RetryPolicy.exponential(12, Duration.ofMinutes(5), Duration.ofMinutes(30)))
                        .timeout(Duration.ofMinutes(5))
                        .build())
                .task(DagTask.named("score")
                        .command("./platform", "ml", "score", "--date", DagTask.DS, "--skip-without-champion")
                        .after("features_ready")
                        .retry(retry)
                        .timeout(Duration.ofHours(1))
                        .pool(SPARK_POOL)
                        .build())
                .build();
    }

    private static DagTask lakehouseJob(String job, RetryPolicy retry, String... after) {
        return DagTask.named(job)
                .command("./platform", "lakehouse", "run", job, "--date", DagTask.DS)
                .after(after)
                .retry(retry)
                .timeout(Duration.ofHours(1))
                .pool(SPARK_POOL)
                // Exit 3: the day failed an error-level quality check (or its quality run did): the data is
                // at fault, and a retry would only fail the same way.
                .noRetryOnExit(3)
                .build();
    }
}
