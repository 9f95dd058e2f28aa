-- Remote workers an admin created, named by their id, with the SHA-256 hash of their token (never
-- the token). Admin and reported labels are kept apart (JSON objects: the admin's win when merged,
-- and registering never wipes them); gpus is the JSON array of the GPUs the worker last reported.
-- registered_at is null until the worker first registers.
CREATE TABLE workers (
    id              TEXT    PRIMARY KEY,
    worker_type     TEXT    NOT NULL,
    admin_labels    TEXT    NOT NULL DEFAULT '{}',
    reported_labels TEXT    NOT NULL DEFAULT '{}',
    gpus            TEXT    NOT NULL DEFAULT '[]',
    draining        INTEGER NOT NULL DEFAULT 0 CHECK (draining IN (0, 1)),
    created_at      INTEGER NOT NULL,
    registered_at   INTEGER,
    token_hash      TEXT    NOT NULL UNIQUE
);
