-- A/B experiments run by the serving gateway: the declared spec, the state, the canary rollout that
-- carries the split, and the decision at the end. Outcomes per arm come from the lakehouse job
-- (table public.experiment_outcomes, written by that job).
CREATE TABLE experiments (
    name              text PRIMARY KEY,
    model             text NOT NULL,
    spec              jsonb NOT NULL,
    -- running, then stopped (by the operator or at the planned end) or ended (its rollout ended it)
    state             text NOT NULL,
    control_version   text NOT NULL,
    treatment_version text NOT NULL,
    rollout_id        bigint,
    started_at        timestamptz NOT NULL DEFAULT now(),
    planned_end       timestamptz NOT NULL,
    stopped_at        timestamptz,
    -- What happened at the end: the winner handed to the rollout (promoted) or control kept, and why.
    decision          text,
    -- The report at the end, and events.
    detail            jsonb NOT NULL DEFAULT '{}'
);

-- One experiment at a time per model: the canary carries its split.
CREATE UNIQUE INDEX experiments_one_running_per_model ON experiments (model) WHERE state = 'running';
