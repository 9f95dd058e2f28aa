-- One history for the whole queue: job events and the changes of settings, users and workers,
-- under one store-wide id that increases in commit order (AUTOINCREMENT never reuses an id).
-- job_id is null for events that belong to no job; user_id is the job's owner, or the user concerned.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    job_id      TEXT    REFERENCES jobs (job_id) ON DELETE CASCADE,
    user_id     INTEGER,
    from_status TEXT,
    to_status   TEXT,
    detail      TEXT
);

INSERT INTO events (id, type, at, actor, job_id, user_id, from_status, to_status, detail)
    SELECT e.id, e.type, e.at, e.actor, e.job_id, j.user_id, e.from_status, e.to_status, e.detail
    FROM job_events e JOIN jobs j ON j.job_id = e.job_id
    ORDER BY e.id;

DROP TABLE job_events;

-- One job's history in order.
CREATE INDEX events_job ON events (job_id, id) WHERE job_id IS NOT NULL;
