package dev.gpuqueue.core.error;

import dev.gpuqueue.core.model.JobId;

/**
 * A runner reported on an attempt that no longer holds the job (the job moved on, or another
 * attempt owns it). The report is refused so a lost runner can never overwrite newer state.
 */
public final class StaleReportException extends ConflictException {
    private static final long serialVersionUID = 1L;

    public StaleReportException(JobId jobId, int attempt, String why) {
        super("report for job " + jobId + " attempt " + attempt + " refused: " + why);
    }
}
