package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import java.util.List;
import java.util.Locale;

/**
 * The answer to a submit: whether a job exists (or would, for a dry run), what became of it, and
 * why. {@code jobId} and {@code job} are null for a rejected or dry-run submit. Immutable.
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
        Job job) {

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
}
