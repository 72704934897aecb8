-- One row per rule and group (e.g. dlq-share / schema_violation): where its state machine stands.
CREATE TABLE alert_states (
    rule             TEXT NOT NULL,
    group_key        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'resolved')),
    since            TIMESTAMPTZ NOT NULL,
    value            DOUBLE PRECISION,
    summary          TEXT NOT NULL,
    evaluated_at     TIMESTAMPTZ NOT NULL,
    acknowledged_by  TEXT,
    acknowledged_at  TIMESTAMPTZ,
    PRIMARY KEY (rule, group_key)
);

-- Every transition, in order: the history users see.
CREATE TABLE alert_history (
    id         BIGSERIAL PRIMARY KEY,
    rule       TEXT NOT NULL,
    group_key  TEXT NOT NULL,
    state      TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    value      DOUBLE PRECISION,
    summary    TEXT NOT NULL
);
CREATE INDEX alert_history_at ON alert_history (at DESC);

-- The outbox: written in the same transaction as the transition it announces, marked sent once
-- delivered, so a restart neither loses a notification nor sends one again.
CREATE TABLE notifications (
    id          UUID PRIMARY KEY,
    history_id  BIGINT NOT NULL REFERENCES alert_history (id),
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'silenced', 'failed')),
    payload     TEXT NOT NULL,
    attempts    INT NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX notifications_pending ON notifications (created_at) WHERE status = 'pending';

-- Silences: notifications of a rule (one group, or all with group_key '*') are not sent until `until`.
CREATE TABLE silences (
    id          BIGSERIAL PRIMARY KEY,
    rule        TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    until       TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
