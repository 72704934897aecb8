-- The orchestrator's own schema, with its own Flyway history (orchestrator.flyway_schema_history),
-- so its versions never clash with the platform's migrations in public.

-- db-scheduler's table: one row per pending execution; each task attempt is one execution.
CREATE TABLE scheduled_tasks (
    task_name            text                     NOT NULL,
    task_instance        text                     NOT NULL,
    task_data            bytea,
    execution_time       timestamp with time zone NOT NULL,
    picked               boolean                  NOT NULL,
    picked_by            text,
    last_success         timestamp with time zone,
    last_failure         timestamp with time zone,
    consecutive_failures int,
    last_heartbeat       timestamp with time zone,
    version              bigint                   NOT NULL,
    priority             smallint,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX scheduled_tasks_execution_time_idx ON scheduled_tasks (execution_time);
CREATE INDEX scheduled_tasks_last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
CREATE INDEX scheduled_tasks_priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);

-- Where each scheduled DAG stands: the start of the next interval to create a run for.
CREATE TABLE dag_schedules (
    dag_id              text PRIMARY KEY,
    next_interval_start timestamp with time zone NOT NULL,
    updated_at          timestamp with time zone NOT NULL DEFAULT now()
);

-- One run of a DAG for one data interval [logical_date, interval_end).
CREATE TABLE dag_runs (
    run_id        bigserial PRIMARY KEY,
    dag_id        text                     NOT NULL,
    logical_date  timestamp with time zone NOT NULL,
    interval_end  timestamp with time zone NOT NULL,
    run_type      text                     NOT NULL CHECK (run_type IN ('scheduled', 'manual', 'backfill')),
    state         text                     NOT NULL CHECK (state IN ('queued', 'running', 'success', 'failed')),
    reason        text,
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    started_at    timestamp with time zone,
    ended_at      timestamp with time zone,
    UNIQUE (dag_id, logical_date)
);
CREATE INDEX dag_runs_state_idx ON dag_runs (state, dag_id, logical_date);

-- Each task of a run: its state and how many attempts it has had and may have.
CREATE TABLE task_instances (
    run_id      bigint NOT NULL REFERENCES dag_runs (run_id) ON DELETE CASCADE,
    task_id     text   NOT NULL,
    state       text   NOT NULL CHECK (state IN ('none', 'scheduled', 'running', 'up_for_retry', 'success',
                                                 'failed', 'upstream_failed')),
    try_number  int    NOT NULL DEFAULT 0,
    max_tries   int    NOT NULL,
    next_try_at timestamp with time zone,
    PRIMARY KEY (run_id, task_id)
);

-- Every attempt: the child process, where it ran, its exit code, output and duration.
CREATE TABLE task_attempts (
    attempt_id     bigserial PRIMARY KEY,
    run_id         bigint NOT NULL REFERENCES dag_runs (run_id) ON DELETE CASCADE,
    task_id        text   NOT NULL,
    try_number     int    NOT NULL,
    state          text   NOT NULL CHECK (state IN ('running', 'success', 'failed')),
    pool           text,
    scheduler      text   NOT NULL,
    host           text   NOT NULL,
    pid            bigint,
    pid_started_at timestamp with time zone,
    command        text   NOT NULL,
    log_file       text   NOT NULL,
    exit_code      int,
    error          text,
    started_at     timestamp with time zone NOT NULL,
    ended_at       timestamp with time zone,
    duration_ms    bigint,
    UNIQUE (run_id, task_id, try_number)
);
CREATE INDEX task_attempts_running_idx ON task_attempts (state, pool);
