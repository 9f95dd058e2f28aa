package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.JobId;

/**
 * Hears that an attempt ended: the one way runners report. A runner calls it once per attempt, from
 * any thread; the attempt number is the lease: a report for an attempt that no longer holds the job
 * is refused.
 */
public interface AttemptListener {
    /** The reason of an attempt whose process ended and left no exit status. */
    String NO_EXIT_STATUS = "its process ended without recording an exit status";

    /** The attempt ended with {@code outcome} (an exit code, or a failure in words). */
    void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome);

    /**
     * The attempt ended but nothing tells how (no exit status anywhere): it is requeued, or failed
     * when no attempt is left.
     */
    void attemptLost(JobId jobId, int attempt, String reason);

    /**
     * What the runner sees of an attempt that has not ended, worth a line in the job's events (a
     * cluster still queueing it, and why). Ignored when the attempt no longer holds the job.
     */
    default void attemptNote(JobId jobId, int attempt, String note) {}
}
