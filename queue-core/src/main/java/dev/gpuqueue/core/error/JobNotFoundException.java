package dev.gpuqueue.core.error;

import dev.gpuqueue.core.model.JobId;

/** No job has this id (it never existed, or cleanup removed it). */
public final class JobNotFoundException extends NotFoundException {
    private static final long serialVersionUID = 1L;

    private final JobId jobId;

    public JobNotFoundException(JobId jobId) {
        super("no job with id '" + jobId + "'");
        this.jobId = jobId;
    }

    public JobId jobId() {
        return jobId;
    }
}
