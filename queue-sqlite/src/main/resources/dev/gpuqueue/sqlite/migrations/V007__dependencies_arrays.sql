-- Dependencies: the jobs a job waits for, fixed at submit (a JSON array of {"job_id", "condition"}
-- objects, '[]' for none), and whether some of them have not ended as asked yet (the job then waits
-- outside the dispatch order).
ALTER TABLE jobs ADD COLUMN depends_on TEXT NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN awaiting_dependencies INTEGER NOT NULL DEFAULT 0 CHECK (awaiting_dependencies IN (0, 1));

-- Job arrays (sweeps): the array's id (its first job's id), the job's 0-based index, the array's
-- cap on running jobs and the job's parameters (a JSON object, in the grid's order). Null for a job
-- outside any array.
ALTER TABLE jobs ADD COLUMN array_id TEXT;
ALTER TABLE jobs ADD COLUMN array_index INTEGER;
ALTER TABLE jobs ADD COLUMN array_max_running INTEGER;
ALTER TABLE jobs ADD COLUMN array_params TEXT;

CREATE INDEX jobs_array ON jobs (array_id, array_index) WHERE array_id IS NOT NULL;
