package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.model.QueueStats;
import dev.gpuqueue.core.model.UserQueueStatus;
import dev.gpuqueue.core.port.StoreHealth;
import java.util.List;
import java.util.Map;

/**
 * The queue's one inbound facade: everything a user, an HTTP handler, a CLI or an embedding trainer
 * asks of the queue. It delegates to the use cases: {@code Submissions} (submit), {@code JobCommands}
 * (cancel, approval, priority, settings, cleanup) and {@code QueueQueries} (reads and event
 * subscriptions). Every state change is one store transaction that also appends its event;
 * permissions are checked before state. A scheduling pass follows a submit, an approval, a priority
 * change and a settings change, never a cancellation. Runners report attempts' ends to the core
 * through the listener they are started with, not through this facade. Thread-safe.
 */
public final class QueueService {
    public static final int CLEANUP_DEFAULT_DAYS = 30;

    private final Submissions submissions;
    private final JobCommands commands;
    private final QueueQueries queries;

    QueueService(Submissions submissions, JobCommands commands, QueueQueries queries) {
        this.submissions = submissions;
        this.commands = commands;
        this.queries = queries;
    }

    // ---- submit ----------------------------------------------------------------------------------

    /**
     * Submits a job: resolves its config, refuses what can never fit, blocks it when it needs
     * approval, and otherwise queues it and runs a pass in the same transaction, so the answer says
     * whether it started. With {@code no_wait} the job is stored only if it starts at once; with
     * {@code dry_run} nothing is stored. An idempotency key already used by this caller returns the
     * original job.
     */
    public SubmitResult submit(Caller caller, SubmitRequest request) {
        return submissions.submit(caller, request);
    }

    // ---- commands --------------------------------------------------------------------------------

    /** Cancels a pending or blocked job; a running one is a {@code JobIsRunningException} (see {@link #cancel}). */
    public Job cancelWaiting(Caller caller, JobId id) {
        return commands.cancelWaiting(caller, id);
    }

    /**
     * Cancels any active job. A running job is stopped first (polite signal, grace period, forced
     * stop) and this returns once it is gone; its GPUs are then free. No scheduling pass follows.
     */
    public Job cancel(Caller caller, JobId id) {
        return commands.cancel(caller, id);
    }

    /**
     * Cancels every active job of an array in one request: its waiting jobs at once (in one
     * transaction), then its running ones, each stopped as by {@link #cancel}. Returns the ids
     * cancelled, by index; no scheduling pass follows.
     */
    public List<JobId> cancelArray(Caller caller, String arrayId) {
        return commands.cancelArray(caller, arrayId);
    }

    /** Approves a blocked job (admin): it becomes pending, ages from now, and a pass runs. */
    public Job approve(Caller caller, JobId id) {
        return commands.approve(caller, id);
    }

    /** Rejects a blocked job (admin) with a reason: it fails with "Rejected: reason". */
    public Job reject(Caller caller, JobId id, String reason) {
        return commands.reject(caller, id, reason);
    }

    /** Sets ({@code 0..50}) or clears ({@code null}) a waiting job's priority override (lead, admin); a pass runs. */
    public PriorityChange setPriority(Caller caller, JobId id, Integer override) {
        return commands.setPriority(caller, id, override);
    }

    /** Applies a partial settings change (admin), validated as a whole; a pass runs with the new limits. */
    public QueueSettings updateSettings(Caller caller, SettingsUpdate update) {
        return commands.updateSettings(caller, update);
    }

    /** Runs a scheduling pass now (admin). */
    public PassResult process(Caller caller) {
        return commands.process(caller);
    }

    /** Deletes terminal jobs completed more than {@code days} (1..365) ago, with their events and logs (admin). */
    public CleanupResult cleanup(Caller caller, int days) {
        return commands.cleanup(caller, days);
    }

    // ---- reads -----------------------------------------------------------------------------------

    public QueueSettings settings() {
        return queries.settings();
    }

    /** The job, if the caller may see it (owner, lead, admin). */
    public Job job(Caller caller, JobId id) {
        return queries.job(caller, id);
    }

    /** The job's history, oldest first. */
    public List<QueueEvent> events(Caller caller, JobId id) {
        return queries.events(caller, id);
    }

    /**
     * The events after {@code afterId}, stored history first, then live, as far as the caller may
     * see them (leads and admins: all; others: their own jobs' events and settings changes); with
     * {@code jobId}, one job's. Close the subscription when done.
     */
    public Subscription subscribe(Caller caller, long afterId, JobId jobId) {
        return queries.subscribe(caller, afterId, jobId);
    }

    /** The id of the newest event now (0 when there is none): where a subscription "from now on" starts. */
    public long lastEventId() {
        return queries.lastEventId();
    }

    /** Where a job stands; position, reason and estimated wait only while it is pending. */
    public PositionInfo position(Caller caller, JobId id) {
        return queries.position(caller, id);
    }

    /**
     * The queue listing: without a status, pending jobs in dispatch order, then blocked (oldest
     * first), then running (by start), then — with {@code includeCompleted} — terminal jobs, most
     * recently completed first. Researchers and viewers see only their own jobs.
     */
    public QueuePage queue(Caller caller, QueueQuery query) {
        return queries.queue(caller, query);
    }

    /** All jobs, newest first, optionally of one status or one user. Researchers and viewers list only their own. */
    public JobsPage jobs(Caller caller, JobsQuery query) {
        return queries.jobs(caller, query);
    }

    /** The caller's own view: counts, best position, one page of their pending and running jobs. */
    public UserQueueStatus me(Caller caller, int limit, int offset) {
        return queries.me(caller, limit, offset);
    }

    /** Queue-wide statistics, including the local GPU picture. */
    public QueueStats stats() {
        return queries.stats();
    }

    /** Whether the store can be written now, answered without waiting (for health checks). */
    public StoreHealth storeHealth() {
        return queries.storeHealth();
    }

    /** Which running job holds each local GPU now (GPU index → job id), for the allocation view. */
    public Map<Integer, JobId> gpuHolders() {
        return queries.gpuHolders();
    }
}
