-- Experiment tracking: experiments, runs and what runs log. Times are epoch milliseconds, as MLflow's API has them.
CREATE TABLE experiments (
    experiment_id     BIGSERIAL PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage   TEXT NOT NULL DEFAULT 'active',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE experiment_tags (
    experiment_id BIGINT NOT NULL REFERENCES experiments (experiment_id),
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
);

-- run_seq orders runs created in the same millisecond and is the tie-breaker of every keyset page.
CREATE TABLE runs (
    run_seq         BIGSERIAL NOT NULL UNIQUE,
    run_id          TEXT PRIMARY KEY,
    experiment_id   BIGINT NOT NULL REFERENCES experiments (experiment_id),
    name            TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    status          TEXT NOT NULL,
    start_time      BIGINT NOT NULL,
    end_time        BIGINT,
    artifact_uri    TEXT NOT NULL,
    git_commit      TEXT,
    code_version    TEXT,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active'
);
-- One index per sort order the run lists offer: a page is an index range scan, whatever its depth.
CREATE INDEX runs_by_start_time ON runs (experiment_id, start_time, run_seq);
CREATE INDEX runs_by_name ON runs (experiment_id, name, run_seq);
CREATE INDEX runs_by_end_time ON runs (experiment_id, end_time, run_seq);

CREATE TABLE run_params (
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs (run_id),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

-- Every logged value (the history) ...
CREATE TABLE run_metrics (
    id        BIGSERIAL PRIMARY KEY,
    run_id    TEXT NOT NULL REFERENCES runs (run_id),
    key       TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    step      BIGINT NOT NULL,
    timestamp BIGINT NOT NULL
);
CREATE INDEX run_metrics_history ON run_metrics (run_id, key, step, timestamp);

-- ... and the latest per key (largest step, then latest time), kept beside it so run lists sort and
-- filter on a metric through an index instead of aggregating the history.
CREATE TABLE run_latest_metrics (
    run_id        TEXT NOT NULL REFERENCES runs (run_id),
    key           TEXT NOT NULL,
    experiment_id BIGINT NOT NULL,
    run_seq       BIGINT NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    step          BIGINT NOT NULL,
    timestamp     BIGINT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_latest_metrics_by_value ON run_latest_metrics (experiment_id, key, value, run_seq);

-- Input datasets: an Iceberg table at one snapshot (what was read), with the run's use of it.
CREATE TABLE run_datasets (
    run_id      TEXT NOT NULL REFERENCES runs (run_id),
    table_name  TEXT NOT NULL,
    snapshot_id BIGINT NOT NULL,
    context     TEXT NOT NULL DEFAULT 'training',
    name        TEXT,
    digest      TEXT,
    PRIMARY KEY (run_id, table_name, snapshot_id, context)
);

-- The registry.
CREATE TABLE registered_models (
    name        TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE model_versions (
    model       TEXT NOT NULL REFERENCES registered_models (name),
    version     INT NOT NULL,
    run_id      TEXT REFERENCES runs (run_id),
    source      TEXT NOT NULL,
    signature   TEXT NOT NULL DEFAULT '[]',
    metrics     TEXT NOT NULL DEFAULT '{}',
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'READY',
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (model, version)
);
CREATE INDEX model_versions_by_run ON model_versions (run_id);

CREATE TABLE model_version_tags (
    model   TEXT NOT NULL,
    version INT NOT NULL,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (model, version, key),
    FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
);

-- Validation gates of a version (the pipeline's checks: metric thresholds, data checks ...): the last
-- result of each gate counts.
CREATE TABLE version_gates (
    model       TEXT NOT NULL,
    version     INT NOT NULL,
    gate        TEXT NOT NULL,
    passed      BOOLEAN NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (model, version, gate),
    FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
);

CREATE TABLE promotion_requests (
    request_id   BIGSERIAL PRIMARY KEY,
    model        TEXT NOT NULL,
    alias        TEXT NOT NULL,
    version      INT NOT NULL,
    reason       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    decided_by   TEXT,
    decided_at   BIGINT,
    comment      TEXT,
    FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
);
-- At most one pending request per alias of a model.
CREATE UNIQUE INDEX one_pending_request_per_alias ON promotion_requests (model, alias) WHERE status = 'pending';

-- Every move of an alias, never changed: the current alias is the latest event, an alias "as of T" the
-- latest event at or before T. version NULL: the alias was removed.
CREATE TABLE alias_events (
    event_id         BIGSERIAL PRIMARY KEY,
    model            TEXT NOT NULL REFERENCES registered_models (name),
    alias            TEXT NOT NULL,
    version          INT,
    previous_version INT,
    at               BIGINT NOT NULL,
    moved_by         TEXT NOT NULL,
    approved_by      TEXT,
    reason           TEXT NOT NULL DEFAULT '',
    request_id       BIGINT REFERENCES promotion_requests (request_id)
);
CREATE INDEX alias_events_by_time ON alias_events (model, alias, at, event_id);

-- Who did what, when and why: requests, approvals, rejections, alias moves, registrations.
CREATE TABLE audit_events (
    event_id     BIGSERIAL PRIMARY KEY,
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    model        TEXT,
    alias        TEXT,
    from_version INT,
    to_version   INT,
    reason       TEXT NOT NULL DEFAULT '',
    request_id   BIGINT
);
CREATE INDEX audit_events_by_model ON audit_events (model, event_id);

-- Append-only means append-only, also for someone with a SQL prompt and the service's credentials.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER alias_events_append_only BEFORE UPDATE OR DELETE ON alias_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- MLflow clients create runs in experiment "0" unless told otherwise.
INSERT INTO experiments (experiment_id, name, artifact_location, created_at, updated_at)
VALUES (0, 'Default', '', (extract(epoch FROM now()) * 1000)::BIGINT, (extract(epoch FROM now()) * 1000)::BIGINT);
