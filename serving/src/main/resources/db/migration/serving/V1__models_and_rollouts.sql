-- The serving gateway's state: what each model serves now, and every rollout with the values behind
-- its decisions. A restarted gateway resumes from here.
CREATE TABLE models (
    model               text PRIMARY KEY,
    stable_version      text NOT NULL,
    stable_model_file   text NOT NULL,
    -- The model servers taking the stable traffic: [{"version", "model_file", "url", "pid"}].
    instances           jsonb NOT NULL,
    -- The version before, kept running for an instant rollback (blue-green) until previous_kept_until.
    previous_version    text,
    previous_model_file text,
    previous_instances  jsonb NOT NULL DEFAULT '[]',
    previous_kept_until timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rollouts (
    id                bigserial PRIMARY KEY,
    model             text NOT NULL,
    strategy          text NOT NULL,
    spec              jsonb NOT NULL,
    -- progressing, paused, promoted, aborted, rolled_back, failed
    state             text NOT NULL,
    -- Where a progressing rollout is: starting_candidate, step, smoke_test, shadowing, awaiting_promotion, ...
    phase             text NOT NULL,
    step              integer NOT NULL DEFAULT 0,
    candidate_percent integer NOT NULL DEFAULT 0,
    stable_version    text,
    candidate_version text NOT NULL,
    reason            text,
    -- Candidate instances, analyses per step, shadow comparison, measured downtime, events.
    detail            jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz
);

-- One rollout at a time per model: a second start is refused until the first ends (abort makes room).
CREATE UNIQUE INDEX rollouts_one_active_per_model ON rollouts (model) WHERE state IN ('progressing', 'paused');
CREATE INDEX rollouts_by_model ON rollouts (model, id DESC);
