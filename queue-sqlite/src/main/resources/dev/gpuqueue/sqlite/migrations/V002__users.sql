-- Users with their level, optional team and the SHA-256 hash of their API token (never the token).
CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    level      TEXT    NOT NULL CHECK (level IN ('admin', 'lead', 'researcher', 'viewer')),
    team_id    TEXT,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
