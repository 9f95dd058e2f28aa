package dev.gpuqueue.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a job's history: when, who ({@code actor}: a user name, or {@code scheduler} /
 * {@code runner} / {@code reconciler}), what, the status before and after (equal when the status
 * did not change, null before for a submit) and why. Immutable.
 */
public record JobEvent(JobId jobId, Instant at, String actor, Type type, JobStatus from, JobStatus to, String detail) {

    /** What happened. */
    public enum Type {
        SUBMITTED,
        APPROVED,
        REJECTED,
        PRIORITY_CHANGED,
        DISPATCHED,
        LAUNCHED,
        COMPLETED,
        FAILED,
        CANCELLED,
        REQUEUED,
        ADOPTED;

        public String wireName() {
            return WireNames.of(this);
        }
    }

    public JobEvent {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(to, "to");
    }

    /** The event for {@code before → after} (or a new job when {@code before} is null). */
    public static JobEvent of(Job before, Job after, Instant at, String actor, Type type, String detail) {
        return new JobEvent(after.id(), at, actor, type, before == null ? null : before.status(), after.status(), detail);
    }
}
