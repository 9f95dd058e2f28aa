package dev.gpuqueue.core.port;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.TimeSpan;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The reads of a {@link JobStore} unit of work. Valid only inside that unit. */
public interface JobReader {

    Optional<Job> find(JobId id);

    /** The job {@code userId} submitted with {@code idempotencyKey}, if any. */
    Optional<Job> findByIdempotencyKey(long userId, String idempotencyKey);

    /** Every job with {@code status}, in no particular order. */
    List<Job> withStatus(JobStatus status);

    /**
     * The waiting (pending or blocked) jobs that still await their dependencies and name
     * {@code id} among them; read when {@code id} ends. Stores index this, so no pass walks them.
     */
    List<Job> awaiting(JobId id);

    /** Every waiting job whose dependencies are not all met, in submit order. */
    List<Job> awaitingDependencies();

    /** The jobs of array {@code arrayId}, any status, by index; empty for an unknown array. */
    List<Job> arrayJobs(String arrayId);

    /**
     * The first {@code limit} pending jobs in dispatch order (jobs awaiting their dependencies are not in it) at {@code now}: effective priority
     * ({@code (override ?? base) + aging}) descending, {@code queued_at}, submit sequence. Stores
     * read this without loading every pending job (see {@code Aging.bands}).
     */
    List<Job> pendingInDispatchOrder(QueueSettings settings, Instant now, int limit);

    /**
     * One page of {@code userId}'s pending jobs in dispatch order at {@code now}, skipping
     * {@code offset} of them; stores order that user's jobs without reading anyone else's.
     */
    List<Job> pendingOfUserInDispatchOrder(long userId, QueueSettings settings, Instant now, int limit, int offset);

    /** How many pending jobs come before {@code job} in dispatch order at {@code now} ({@code job} need not be stored). */
    long countPendingAhead(Job job, QueueSettings settings, Instant now);

    /** Pending jobs that compete for the local GPUs (local jobs whose target is not {@code worker}). */
    long countPendingForLocalGpus();

    /**
     * The shortest {@code max_runtime_seconds} among pending jobs (dependencies met) that compete for
     * the local GPUs, or null when none has a limit: whether any could be backfilled.
     */
    Long shortestPendingLocalTimeLimit();

    /** Pending jobs that name their runner ({@code Job.namedRunner()}: cloud jobs), not this machine's GPUs or a worker. */
    long countPendingWithNamedRunner();

    /** One page of jobs matching {@code query}, in its order. */
    List<Job> list(JobQuery query);

    /** How many jobs match {@code query} (ignoring its limit and offset). */
    long count(JobQuery query);

    /** Job counts per status; every status is present, zero included. */
    Map<JobStatus, Long> countByStatus();

    /** Active (pending, blocked, running) jobs per user id; users without any are absent. */
    Map<Long, Long> activeCountByUser();

    /**
     * How long each job whose {@code started_at} is at or after {@code since} waited: {@code queued_at}
     * → {@code started_at}. Only the two times are read (statistics over a day of jobs stay cheap).
     */
    List<TimeSpan> waitsStartedSince(Instant since);

    /**
     * How long each completed job (status completed, with a start) whose {@code completed_at} is at or
     * after {@code since} ran: {@code started_at} → {@code completed_at}.
     */
    List<TimeSpan> runsCompletedSince(Instant since);

    /** The job's events, oldest first; empty for an unknown job. */
    List<QueueEvent> events(JobId id);

    /** Up to {@code limit} events with an id greater than {@code afterId}, in id (commit) order. */
    List<QueueEvent> eventsAfter(long afterId, int limit);

    /** The id of the newest stored event, 0 when there is none. */
    long lastEventId();

    /** The persisted settings, or {@link QueueSettings#DEFAULTS} when none were saved. */
    QueueSettings settings();
}
