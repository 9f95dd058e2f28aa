-- Jobs, their event history, and the queue settings.
-- Instants are integer epoch microseconds (UTC); JSON columns hold arrays and objects.
-- The seed's columns are all here (including position, kept for compatibility and never read:
-- positions are computed from the dispatch order); seq is the submit sequence.

CREATE TABLE jobs (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id             TEXT    NOT NULL UNIQUE,
    user_id            INTEGER NOT NULL,
    user_name          TEXT    NOT NULL,
    team_id            TEXT,
    provider           TEXT,
    config_name        TEXT    NOT NULL,
    priority           INTEGER NOT NULL DEFAULT 10,
    priority_override  INTEGER CHECK (priority_override IS NULL OR priority_override BETWEEN 0 AND 50),
    status             TEXT    NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'blocked', 'running', 'completed', 'failed', 'cancelled')),
    position           INTEGER NOT NULL DEFAULT 0,
    queued_at          INTEGER NOT NULL,
    aging_since        INTEGER,
    started_at         INTEGER,
    completed_at       INTEGER,
    estimated_cost     REAL    NOT NULL DEFAULT 0.0,
    requires_approval  INTEGER NOT NULL DEFAULT 0,
    approval_id        INTEGER,
    attempt            INTEGER NOT NULL DEFAULT 1,
    max_attempts       INTEGER NOT NULL DEFAULT 3,
    error_message      TEXT,
    metadata           TEXT    NOT NULL DEFAULT '{}',
    allocated_gpus     TEXT    NOT NULL DEFAULT '[]',
    job_type           TEXT    NOT NULL DEFAULT 'local' CHECK (job_type IN ('local', 'cloud')),
    num_processes      INTEGER NOT NULL DEFAULT 1,
    target             TEXT    NOT NULL DEFAULT 'auto' CHECK (target IN ('auto', 'worker', 'local')),
    any_gpu            INTEGER NOT NULL DEFAULT 0,
    worker_labels      TEXT    NOT NULL DEFAULT '{}',
    device_ids         TEXT    NOT NULL DEFAULT '[]',
    worker_id          TEXT,
    pid                INTEGER,
    process_started_at INTEGER,
    exit_code          INTEGER,
    spec               TEXT    NOT NULL,
    idempotency_key    TEXT,
    version            INTEGER NOT NULL DEFAULT 0
);

-- Pending jobs in dispatch order within one aging band: (override ?? base) desc, queued_at, seq;
-- aging_since rides along so the band filter is checked on the index, not the table.
CREATE INDEX jobs_pending_dispatch ON jobs (COALESCE(priority_override, priority) DESC, queued_at, seq, aging_since)
    WHERE status = 'pending';
-- Pending jobs by aging band: sizes each band (so empty and sparse bands are never scanned in
-- dispatch order) and counts the jobs ahead of one from the index alone, one band at a time.
CREATE INDEX jobs_pending_aging ON jobs (aging_since, priority_override, priority, queued_at) WHERE status = 'pending';
-- Pending jobs by kind: cloud jobs, and jobs that compete for the local GPUs.
CREATE INDEX jobs_pending_kind ON jobs (job_type, target) WHERE status = 'pending';
-- Counts by status; running and active jobs by user and by team.
CREATE INDEX jobs_status_user ON jobs (status, user_id);
CREATE INDEX jobs_status_team ON jobs (status, team_id);
-- One user's jobs, newest first.
CREATE INDEX jobs_user_seq ON jobs (user_id, seq);
-- Terminal jobs by completion time (cleanup, recent run times) and recent starts (average wait).
CREATE INDEX jobs_completed_at ON jobs (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX jobs_started_at ON jobs (started_at) WHERE started_at IS NOT NULL;
-- One idempotency key per user.
CREATE UNIQUE INDEX jobs_idempotency ON jobs (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE job_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      TEXT    NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    detail      TEXT
);
CREATE INDEX job_events_job ON job_events (job_id, id);

-- One row per setting that differs from the built-in default; value is a JSON literal.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
