-- Run history of the batch jobs (lakehouse, later ML pipelines): one row per job and day partition.
-- Jobs write it from their own JVM; the orchestrator and `./platform lakehouse runs` read it.
CREATE TABLE IF NOT EXISTS batch_job_runs (
    run_id          VARCHAR(64)  NOT NULL,
    job             VARCHAR(128) NOT NULL,
    partition_date  DATE         NOT NULL,
    status          VARCHAR(16)  NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
    started_at      TIMESTAMPTZ  NOT NULL,
    finished_at     TIMESTAMPTZ  NOT NULL,
    rows_in         BIGINT       NOT NULL DEFAULT 0,
    rows_out        BIGINT       NOT NULL DEFAULT 0,
    message         TEXT,
    spark_ui        VARCHAR(256),
    metrics         JSONB        NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (run_id, job, partition_date)
);

CREATE INDEX IF NOT EXISTS batch_job_runs_by_job_day ON batch_job_runs (job, partition_date, started_at DESC);
