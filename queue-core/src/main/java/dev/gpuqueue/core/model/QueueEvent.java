package dev.gpuqueue.core.model;

import java.time.Instant;
import java.util.Objects;

/**
 * One committed change of the queue: a job's transition, or a change of the settings, a user or a
 * worker. {@code id} is store-wide and strictly increasing in commit order (0 until stored). For a
 * job event, {@code jobId} names the job, {@code userId} its owner, {@code from} and {@code to} its
 * status before and after (equal when the status did not change, {@code from} null for a submit);
 * for a user event, {@code userId} is the user concerned. {@code actor} is a user name or
 * {@code scheduler} / {@code runner} / {@code reconciler}. Immutable.
 */
public record QueueEvent(long id, Type type, Instant at, String actor, JobId jobId, Long userId, JobStatus from,
        JobStatus to, String detail) {

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
        ADOPTED,
        LOST,
        /** A job's dependencies are all met: it joins the dispatch order. */
        DEPENDENCIES_MET,
        /** A job that waited for this one was cancelled, since this one did not end as it asked. */
        DEPENDENT_CANCELLED,
        /** What a job's runner says about an attempt that has not ended (a cluster still queueing it). */
        RUNNER_NOTE,
        SETTINGS_CHANGED,
        WORKER_CHANGED,
        USER_CHANGED;

        public String wireName() {
            return WireNames.of(this);
        }

        public static Type parse(String text) {
            return WireNames.parse(Type.class, "event type", text);
        }

        /** Whether events of this type belong to a job. */
        public boolean isJobEvent() {
            return this != SETTINGS_CHANGED && this != WORKER_CHANGED && this != USER_CHANGED;
        }
    }

    public QueueEvent {
        if (id < 0) {
            throw new IllegalArgumentException("event ids are >= 0, got " + id);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        if (type.isJobEvent() && (jobId == null || to == null)) {
            throw new IllegalArgumentException("a " + type.wireName() + " event needs a job and its status after");
        }
    }

    /** The event for {@code before → after} of a job (a new job when {@code before} is null); not stored yet. */
    public static QueueEvent of(Job before, Job after, Instant at, String actor, Type type, String detail) {
        return new QueueEvent(0, type, at, actor, after.id(), after.userId(), before == null ? null : before.status(),
                after.status(), detail);
    }

    /** A change of the queue settings; not stored yet. */
    public static QueueEvent settingsChanged(Instant at, String actor, String detail) {
        return new QueueEvent(0, Type.SETTINGS_CHANGED, at, actor, null, null, null, null, detail);
    }

    /** A change of a remote worker (created, online, offline, draining, removed, new token); not stored yet. */
    public static QueueEvent workerChanged(Instant at, String actor, String detail) {
        return new QueueEvent(0, Type.WORKER_CHANGED, at, actor, null, null, null, null, detail);
    }

    /** A change of user {@code userId} (added, removed, new token); not stored yet. */
    public static QueueEvent userChanged(long userId, Instant at, String actor, String detail) {
        return new QueueEvent(0, Type.USER_CHANGED, at, actor, null, userId, null, null, detail);
    }

    /** This event as stored, with its id. */
    public QueueEvent withId(long storedId) {
        return new QueueEvent(storedId, type, at, actor, jobId, userId, from, to, detail);
    }
}
