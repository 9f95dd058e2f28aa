package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import java.util.List;
import java.util.Locale;

/**
 * The answer to a submit: whether a job exists (or would, for a dry run), what became of it, and
 * why. {@code jobId} and {@code job} are null for a rejected or dry-run submit; for an array, they
 * are its first job's, and {@code array} lists them all. Made through the
 * named factories, one per outcome. Immutable.
 */
public record SubmitResult(
        boolean success,
        JobId jobId,
        Outcome status,
        List<Integer> allocatedGpus,
        String allocatedWorkerId,
        Integer queuePosition,
        boolean requiresApproval,
        String reason,
        Job job,
        ArraySummary array) {

    /** An array submit's jobs, by index, and how many of them started at once. */
    public record ArraySummary(String arrayId, List<JobId> jobIds, int started) {
        public ArraySummary {
            jobIds = List.copyOf(jobIds);
        }
    }

    /** What the submit did (or would do). */
    public enum Outcome {
        RUNNING,
        QUEUED,
        BLOCKED,
        REJECTED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SubmitResult {
        allocatedGpus = List.copyOf(allocatedGpus);
    }

    /** The job started at once. */
    static SubmitResult running(Job job) {
        return new SubmitResult(true, job.id(), Outcome.RUNNING, job.allocatedGpus(), job.placement().workerId(), null,
                job.requiresApproval(), null, job, null);
    }

    /** The job waits for approval. */
    static SubmitResult blocked(Job job, String reason) {
        return new SubmitResult(true, job.id(), Outcome.BLOCKED, List.of(), null, null, true, reason, job, null);
    }

    /** The job waits in the queue, at {@code entry}'s position for its reason (both unknown when {@code entry} is null). */
    static SubmitResult queued(Job job, QueueEntry entry) {
        return new SubmitResult(true, job.id(), Outcome.QUEUED, List.of(), null, entry == null ? null : entry.position(),
                job.requiresApproval(), reasonOf(entry), job, null);
    }

    /** An idempotent repeat of a job that has since ended (or whose start failed on its last attempt). */
    static SubmitResult alreadyEnded(Job job) {
        return new SubmitResult(true, job.id(), Outcome.QUEUED, List.of(), null, null, job.requiresApproval(),
                "the job is already " + job.status().wireName() + (job.errorMessage() == null ? "" : ": " + job.errorMessage()),
                job, null);
    }

    /** Nothing was stored: a {@code no_wait} job that could not start at once, for {@code reason}. */
    static SubmitResult rejected(String reason) {
        return new SubmitResult(false, null, Outcome.REJECTED, List.of(), null, null, false, reason, null, null);
    }

    /** A dry run: the job would start at once on {@code placement}. */
    static SubmitResult wouldRun(Placement placement) {
        return new SubmitResult(true, null, Outcome.RUNNING, placement.gpus(), placement.workerId(), null, false, null,
                null, null);
    }

    /** A dry run: the job would wait for approval, for {@code reason}. */
    static SubmitResult wouldBlock(String reason) {
        return new SubmitResult(true, null, Outcome.BLOCKED, List.of(), null, null, true, reason, null, null);
    }

    /** A dry run: the job would wait at {@code entry}'s position. */
    static SubmitResult wouldQueue(QueueEntry entry) {
        return new SubmitResult(true, null, Outcome.QUEUED, List.of(), null, entry == null ? null : entry.position(),
                false, reasonOf(entry), null, null);
    }

    /** This answer (about an array's first job) with the whole array's summary. */
    SubmitResult withArray(ArraySummary summary) {
        return new SubmitResult(success, jobId, status, allocatedGpus, allocatedWorkerId, queuePosition, requiresApproval,
                reason, job, summary);
    }

    private static String reasonOf(QueueEntry entry) {
        return entry == null || entry.pendingReason() == null ? null : entry.pendingReason().message();
    }
}
