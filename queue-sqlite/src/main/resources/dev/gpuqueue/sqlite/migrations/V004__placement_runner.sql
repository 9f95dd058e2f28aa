-- Where a running job runs, as one value: the runner that holds it ('local' for this machine's
-- GPUs, 'worker' for a remote worker, a cloud provider's name). Null unless the job is running.
ALTER TABLE jobs ADD COLUMN runner TEXT;

UPDATE jobs SET runner = CASE
        WHEN job_type = 'cloud' THEN provider
        WHEN worker_id IS NOT NULL THEN 'worker'
        ELSE 'local'
    END
    WHERE status = 'running';
