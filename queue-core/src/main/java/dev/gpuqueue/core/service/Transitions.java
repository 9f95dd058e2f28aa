package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.JobTransaction;
import java.time.Instant;
import java.util.Objects;

/**
 * The one way a job's state changes. Each step checks the move against {@link JobStatus}'s table
 * ({@code IllegalTransitionException} otherwise), writes the row compare-and-set (the store refuses
 * a row that changed since it was read) and appends the event that records it, all in the caller's
 * transaction: the change and its event commit together and are published together after the
 * commit. Bound to one transaction; not thread-safe.
 */
final class Transitions {
    private final JobTransaction tx;
    private final String actor;
    private final Instant at;

    private Transitions(JobTransaction tx, String actor, Instant at) {
        this.tx = tx;
        this.actor = Objects.requireNonNull(actor, "actor");
        this.at = Objects.requireNonNull(at, "at");
    }

    /** Steps in {@code tx}, made by {@code actor} (a user name, or the scheduler, a runner, recovery) at {@code at}. */
    static Transitions in(JobTransaction tx, String actor, Instant at) {
        return new Transitions(tx, actor, at);
    }

    /** Stores a new job (in one of the initial states) and its {@code submitted} event. */
    Job submit(Job job, String detail) {
        JobStatus.checkInitial(job.status());
        Job stored = tx.insert(job);
        tx.append(QueueEvent.of(null, stored, at, actor, QueueEvent.Type.SUBMITTED, detail));
        return stored;
    }

    /**
     * Moves {@code current} (as read in this transaction) to {@code next}; a change that keeps the
     * status (a launch recorded, a priority override) is allowed too. Returns the job as stored.
     */
    Job move(Job current, Job next, QueueEvent.Type type, String detail) {
        if (!current.id().equals(next.id())) {
            throw new IllegalArgumentException("a transition changes one job, not " + current.id() + " into " + next.id());
        }
        if (current.status() != next.status()) {
            current.status().checkMoveTo(next.status());
        }
        Job stored = tx.update(current, next);
        tx.append(QueueEvent.of(current, stored, at, actor, type, detail));
        return stored;
    }

    /** Records an event about {@code job} that changes nothing in it (adopted after a restart). */
    void note(Job job, QueueEvent.Type type, String detail) {
        tx.append(QueueEvent.of(job, job, at, actor, type, detail));
    }
}
