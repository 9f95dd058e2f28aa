package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.JobId;

/**
 * Hears that an attempt ended. A launcher or dispatcher calls it once per attempt, from any
 * thread; the attempt number is the lease: a report for an attempt that no longer holds the job is
 * refused.
 */
@FunctionalInterface
public interface AttemptListener {
    void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome);
}
