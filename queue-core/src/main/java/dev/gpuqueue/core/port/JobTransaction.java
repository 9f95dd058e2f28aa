package dev.gpuqueue.core.port;

import dev.gpuqueue.core.error.ConcurrentUpdateException;
import dev.gpuqueue.core.error.ConflictException;
import dev.gpuqueue.core.error.JobNotFoundException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueSettings;
import java.time.Instant;
import java.util.List;

/** The reads and writes of one atomic {@link JobStore} unit of work. Valid only inside that unit. */
public interface JobTransaction extends JobReader {

    /**
     * Stores a new job and returns it as stored: with the next submit sequence number and version 0.
     *
     * @throws ConflictException when the id, or the submitter's idempotency key, is already taken
     */
    Job insert(Job job);

    /**
     * Stores new jobs, in order, as {@link #insert} would one by one (a store may write them in one
     * go: a 10,000-job array).
     *
     * @throws ConflictException when an id, or a submitter's idempotency key, is already taken
     */
    default List<Job> insertAll(List<Job> jobs) {
        return jobs.stream().map(this::insert).toList();
    }

    /**
     * Replaces {@code current} by {@code changed} only if the stored job still has {@code current}'s
     * status and version (compare-and-set); returns {@code changed} with the version incremented.
     *
     * @throws ConcurrentUpdateException when the stored job has moved on
     * @throws JobNotFoundException when the job no longer exists
     */
    Job update(Job current, Job changed);

    /**
     * Appends an event to the history and returns it with its id, greater than every id before it.
     * Listeners hear it once the unit of work commits.
     */
    QueueEvent append(QueueEvent event);

    /** Appends events in order, as {@link #append} would one by one. */
    default List<QueueEvent> appendAll(List<QueueEvent> events) {
        return events.stream().map(this::append).toList();
    }

    void saveSettings(QueueSettings settings);

    /**
     * Deletes terminal jobs whose {@code completed_at} is before {@code cutoff}, with their events;
     * never an active job. Returns the deleted ids.
     */
    List<JobId> deleteTerminalCompletedBefore(Instant cutoff);
}
