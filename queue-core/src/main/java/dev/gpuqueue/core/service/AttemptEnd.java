package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobTransaction;
import java.time.Instant;
import java.util.Objects;

/**
 * How one attempt of a job ended, as learned at {@code at}: an outcome from its runner (exit code or
 * failure), lost (outcome unknown: requeued, or failed on the last attempt), cancelled by someone,
 * or stopped at its time limit. Whoever
 * learns it first decides: a later report of the same attempt is stale. Immutable.
 */
record AttemptEnd(JobId jobId, int attempt, Kind kind, AttemptOutcome outcome, String reason, String actor, Instant at) {

    /** How the attempt ended. */
    enum Kind { OUTCOME, LOST, CANCELLED, TIME_LIMIT }

    AttemptEnd {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(at, "at");
        if ((kind == Kind.OUTCOME) != (outcome != null)) {
            throw new IllegalArgumentException("an outcome end, and only that, carries an outcome");
        }
    }

    static AttemptEnd of(JobId jobId, int attempt, AttemptOutcome outcome, Instant at) {
        return new AttemptEnd(jobId, attempt, Kind.OUTCOME, outcome, null, AttemptReports.ACTOR, at);
    }

    static AttemptEnd lost(JobId jobId, int attempt, String reason, Instant at) {
        return new AttemptEnd(jobId, attempt, Kind.LOST, null, reason, AttemptReports.ACTOR, at);
    }

    /** An end that recovery found: how an attempt ended while the server was down. */
    static AttemptEnd recovered(Job job, AttemptOutcome outcome, Instant at) {
        return new AttemptEnd(job.id(), job.attempt(), Kind.OUTCOME, outcome,
                "ended while the server was down", Reconciler.ACTOR, at);
    }

    /** An attempt that recovery found gone without a trace. */
    static AttemptEnd lostAfterRestart(Job job, Instant at) {
        return new AttemptEnd(job.id(), job.attempt(), Kind.LOST, null, Reconciler.LOST_AFTER_RESTART,
                Reconciler.ACTOR, at);
    }

    static AttemptEnd cancelled(Job job, String byWhom, Instant at) {
        return new AttemptEnd(job.id(), job.attempt(), Kind.CANCELLED, null, "cancelled by " + byWhom, byWhom, at);
    }

    static AttemptEnd timeLimit(Job job, Instant at) {
        return new AttemptEnd(job.id(), job.attempt(), Kind.TIME_LIMIT, null,
                "exceeded max runtime of " + job.spec().maxRuntimeSeconds() + " s", Passes.ACTOR, at);
    }

    /** The job after this end. */
    Job applyTo(Job current) {
        return switch (kind) {
            case OUTCOME -> outcome.success()
                    ? current.completed(outcome.exitCode(), at)
                    : current.failed(outcome.errorMessage(), outcome.exitCode(), at);
            case LOST -> current.retryOrFail(reason, at);
            case CANCELLED -> current.cancelled(at);
            case TIME_LIMIT -> current.failed(reason, null, at);
        };
    }

    /** Records this end on {@code current}, the job as read in the transaction; returns the job as stored. */
    Job recordOn(JobTransaction tx, Job current) {
        Job next = applyTo(current);
        String detail = kind == Kind.CANCELLED || next.errorMessage() == null ? reason : next.errorMessage();
        return Transitions.in(tx, actor, at).move(current, next, eventType(next), detail);
    }

    private QueueEvent.Type eventType(Job after) {
        if (kind == Kind.LOST) {
            return QueueEvent.Type.LOST;
        }
        return switch (after.status()) {
            case COMPLETED -> QueueEvent.Type.COMPLETED;
            case FAILED -> QueueEvent.Type.FAILED;
            case CANCELLED -> QueueEvent.Type.CANCELLED;
            default -> throw new IllegalArgumentException("not an attempt's end: " + after.status());
        };
    }

    /** In words, for the log: "exit code 3", "lost (reason)", "cancelled by ada". */
    String describe() {
        return switch (kind) {
            case OUTCOME -> outcome.exitCode() != null ? "exit code " + outcome.exitCode() : outcome.failure();
            case LOST -> "lost (" + reason + ")";
            case CANCELLED, TIME_LIMIT -> reason;
        };
    }
}
