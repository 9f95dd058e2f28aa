package dev.gpuqueue.core.error;

import dev.gpuqueue.core.model.JobId;

/**
 * A command that applies only to waiting jobs (cancelling from the queue) met a running job; a
 * running job is cancelled as such (it is stopped first). Adapters add how to do that.
 */
public final class JobIsRunningException extends ConflictException {
    private static final long serialVersionUID = 1L;

    private final JobId jobId;

    public JobIsRunningException(JobId jobId) {
        super("job " + jobId + " is running; only pending or blocked jobs are cancelled from the queue");
        this.jobId = jobId;
    }

    public JobId jobId() {
        return jobId;
    }
}
