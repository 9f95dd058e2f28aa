package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.AttemptOutcome;
import java.time.Instant;
import java.util.Objects;

/**
 * How one attempt of a job ended, as learned at {@code at}: an outcome from its runner (exit code or
 * failure), or lost (outcome unknown, with the reason). Immutable.
 */
record AttemptEnd(JobId jobId, int attempt, AttemptOutcome outcome, String lostReason, Instant at) {

    AttemptEnd {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(at, "at");
        if ((outcome == null) == (lostReason == null)) {
            throw new IllegalArgumentException("an attempt end is either an outcome or lost, not both");
        }
    }

    static AttemptEnd of(JobId jobId, int attempt, AttemptOutcome outcome, Instant at) {
        return new AttemptEnd(jobId, attempt, outcome, null, at);
    }

    static AttemptEnd lost(JobId jobId, int attempt, String reason, Instant at) {
        return new AttemptEnd(jobId, attempt, null, reason, at);
    }

    /** The job after this end: completed or failed by the outcome; requeued or failed when lost. */
    Job applyTo(Job current) {
        if (outcome == null) {
            return current.retryOrFail(lostReason, at);
        }
        return outcome.success()
                ? current.completed(outcome.exitCode(), at)
                : current.failed(outcome.errorMessage(), outcome.exitCode(), at);
    }

    /** In words, for the log: "exit code 3", "lost (reason)". */
    String describe() {
        if (outcome == null) {
            return "lost (" + lostReason + ")";
        }
        return outcome.exitCode() != null ? "exit code " + outcome.exitCode() : outcome.failure();
    }
}
