package dev.gpuqueue.core.error;

import dev.gpuqueue.core.model.JobId;

/**
 * A compare-and-set write lost a race: the job changed between read and write. Nothing was
 * written; the caller may re-read and retry (HTTP 409).
 */
public final class ConcurrentUpdateException extends ConflictException {
    private static final long serialVersionUID = 1L;

    private final JobId jobId;

    public ConcurrentUpdateException(JobId jobId) {
        super("job " + jobId + " was changed by another request at the same time; read it again and retry");
        this.jobId = jobId;
    }

    public JobId jobId() {
        return jobId;
    }
}
