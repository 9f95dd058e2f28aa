-- The queue's hot reads (dispatch order, positions, counts of pending and running jobs) are served
-- from memory now (SqliteJobStore mirrors the active jobs); the indexes that served them from the
-- file only slow every write down.
DROP INDEX IF EXISTS jobs_pending_dispatch;
DROP INDEX IF EXISTS jobs_pending_aging;
DROP INDEX IF EXISTS jobs_pending_kind;
DROP INDEX IF EXISTS jobs_status_team;
