package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StopIncompleteException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.port.JobStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How attempts end: the one {@link AttemptListener} every runner reports to, the tick's probe of
 * running jobs, and the stops made on purpose (cancel, time limit). Each end goes through
 * {@link OutcomeRecorder} (kept and retried while the store cannot be written; the first end learned
 * wins) and, once stored, is followed by {@code afterEnd} (a scheduling pass), except a
 * cancellation. Reports carry the attempt number, the lease: one for an attempt that no longer
 * holds the job is refused with {@link StaleReportException}. Thread-safe.
 */
final class AttemptReports implements AttemptListener {
    private static final System.Logger LOG = System.getLogger(AttemptReports.class.getName());
    static final String ACTOR = "runner";

    private final JobStore store;
    private final Runners runners;
    private final Clock clock;
    private final Duration stopGrace;
    private final Duration confirmWait;
    /** Stops in progress, one per job: the stopper's end is recorded, not the attempt's own report. */
    private final Map<JobId, Stop> stopping = new ConcurrentHashMap<>();
    private final OutcomeRecorder outcomes;

    /**
     * @param confirmWait how long a stop may take beyond {@code stopGrace} before the caller is told
     *     it is not confirmed yet (a remote runner)
     * @param afterEnd what follows a stored end, except a cancellation (a scheduling pass)
     */
    AttemptReports(JobStore store, Runners runners, Clock clock, Duration stopGrace, Duration confirmWait,
            Runnable afterEnd) {
        this.store = store;
        this.runners = runners;
        this.clock = clock;
        this.stopGrace = stopGrace;
        this.confirmWait = confirmWait;
        this.outcomes = new OutcomeRecorder(this::commit, (end, stored) -> {
            if (end.kind() != AttemptEnd.Kind.CANCELLED) {
                afterEnd.run();
            }
        });
    }

    // ---- reports from runners --------------------------------------------------------------------

    /**
     * Records how an attempt ended (completed on exit code 0, else failed naming the code). Ignored
     * while the attempt is being stopped on purpose: the stopper's end decides.
     *
     * @throws StaleReportException when the attempt no longer holds the job
     */
    @Override
    public void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome) {
        report(AttemptEnd.of(jobId, attempt, outcome, clock.instant()));
    }

    /** An attempt whose outcome is unknown (its runner vanished): requeue, or fail on the last attempt. */
    @Override
    public void attemptLost(JobId jobId, int attempt, String reason) {
        report(AttemptEnd.lost(jobId, attempt, reason, clock.instant()));
    }

    /** Appends the runner's note to the job's events while {@code attempt} holds it; else drops it. */
    @Override
    public void attemptNote(JobId jobId, int attempt, String note) {
        store.inTransaction(tx -> {
            tx.find(jobId).filter(job -> job.status() == RUNNING && job.attempt() == attempt).ifPresent(job ->
                    Transitions.in(tx, ACTOR, clock.instant()).note(job, QueueEvent.Type.RUNNER_NOTE, note));
            return null;
        });
    }

    /**
     * Records a runner's report, except for an attempt being stopped on purpose: there the report only
     * says the attempt is over (as good as the runner confirming the stop), and the stopper's end is
     * recorded.
     */
    private void report(AttemptEnd end) {
        Stop stop = stopping.get(end.jobId());
        if (stop != null && stop.job().attempt() == end.attempt()) {
            LOG.log(Level.DEBUG, "Job {0} attempt {1} ended ({2}) while being stopped", end.jobId(), end.attempt(),
                    end.describe());
            stop.attemptOver().complete(null);
            return;
        }
        outcomes.record(end);
    }

    private Job commit(AttemptEnd end) {
        return store.inTransaction(tx -> {
            Job current = tx.find(end.jobId())
                    .orElseThrow(() -> new StaleReportException(end.jobId(), end.attempt(), "no such job"));
            if (current.status() != RUNNING) {
                throw new StaleReportException(end.jobId(), end.attempt(), "the job is " + current.status().wireName());
            }
            if (current.attempt() != end.attempt()) {
                throw new StaleReportException(end.jobId(), end.attempt(), "attempt " + current.attempt() + " holds the job");
            }
            return end.recordOn(tx, current);
        });
    }

    // ---- probing ---------------------------------------------------------------------------------

    /**
     * Asks the runner of every running job whose start returned a process how it stands, and records
     * the end of one that ended without a report (a lost callback, a watcher that died): the exit
     * code the runner knows, else lost. Attempts being stopped, or whose end is kept, are skipped.
     * Returns how many ends it recorded.
     */
    int checkRunningJobs() {
        List<Job> watched = store.read(r -> r.withStatus(RUNNING)).stream()
                .filter(job -> job.process() != null && !stopping.containsKey(job.id()) && !outcomes.isKept(job.id()))
                .toList();
        int recorded = 0;
        for (Job job : watched) {
            Optional<JobRunner> runner = runners.find(job.placement().runner());
            AttemptState state = runner.isEmpty() ? AttemptState.RUNNING : runner.get().probe(job);
            if (state.kind() == AttemptState.Kind.RUNNING) {
                continue;
            }
            Instant now = clock.instant();
            AttemptEnd end = state.kind() == AttemptState.Kind.ENDED
                    ? AttemptEnd.of(job.id(), job.attempt(), state.outcome(), now)
                    : AttemptEnd.lost(job.id(), job.attempt(), NO_EXIT_STATUS, now);
            LOG.log(Level.WARNING, "Job {0} attempt {1}: it ended and its end was not reported; recording {2}",
                    job.id(), job.attempt(), end.describe());
            try {
                outcomes.record(end);
                recorded++;
            } catch (StaleReportException alreadyRecorded) {
                LOG.log(Level.DEBUG, "Job {0}: {1}", job.id(), alreadyRecorded.getMessage());
            }
        }
        return recorded;
    }

    // ---- stopping --------------------------------------------------------------------------------

    /** A stop in progress: the attempt as the stopper read it, the end it records, and when it is done. */
    private record Stop(Job job, AttemptEnd end, CompletableFuture<Void> attemptOver, CompletableFuture<Job> recorded) {}

    /**
     * Stops {@code job}'s running attempt and, once its runner confirms (or the attempt reports its
     * own end), records {@code end} (cancelled, or failed for a time limit) like any attempt end:
     * kept and retried if the store cannot be written. Returns at once; the future completes with the
     * job as stored. One stop per job at a time: a second caller joins the stop in progress, whose
     * end decides. An end learned before (and kept) is stored first and wins (the future then fails
     * with {@link StaleReportException}). If the attempt's start was recorded after {@code job} was
     * read (a cancel racing its launch), what started is stopped again after the end is recorded.
     */
    CompletableFuture<Job> stop(Job job, AttemptEnd end) {
        if (outcomes.isKept(job.id())) {
            outcomes.storeNow(job.id());
        }
        Stop fresh = new Stop(job, end, new CompletableFuture<>(), new CompletableFuture<>());
        Stop running = stopping.putIfAbsent(job.id(), fresh);
        if (running != null) {
            return running.recorded();
        }
        CompletableFuture<Void> confirmed;
        try {
            confirmed = stopAttempt(job);
        } catch (RuntimeException e) {
            stopping.remove(job.id(), fresh);
            throw e;
        }
        confirmed.applyToEither(fresh.attemptOver(), stopped -> stopped)
                .thenApply(stopped -> outcomes.record(end).orElseThrow(() -> new StoreUnavailableException(
                        "job " + job.id() + " was stopped, but the database cannot be written now; its end ("
                                + end.describe() + ") is kept and stored as soon as it can be", null)))
                .whenComplete((stored, failure) -> finish(fresh, stored, failure));
        return fresh.recorded();
    }

    private void finish(Stop stop, Job stored, Throwable failure) {
        stopping.remove(stop.job().id(), stop);
        if (failure != null) {
            RuntimeException cause = unwrap(failure);
            LOG.log(cause instanceof StaleReportException ? Level.DEBUG : Level.WARNING, "Job {0} attempt {1}: {2} not"
                    + " recorded: {3}", stop.job().id(), stop.job().attempt(), stop.end().describe(), cause.getMessage());
            stop.recorded().completeExceptionally(cause);
            return;
        }
        if (stored.version() > stop.job().version() + 1) {
            LOG.log(Level.INFO, "Job {0} attempt {1} was started while it was being stopped; stopping it again",
                    stop.job().id(), stop.job().attempt());
            stopQuietly(stop.job().toBuilder().process(stored.process()).build());
        }
        stop.recorded().complete(stored);
    }

    /**
     * {@link #stop(Job, AttemptEnd)}, waiting for the end to be recorded: up to the stop grace plus the
     * confirm wait.
     *
     * @return the job as stored
     * @throws StaleReportException when the attempt had already ended
     * @throws StopIncompleteException when the stop did not complete (processes stuck), or its runner
     *     has not confirmed it in time: then {@code end} is recorded once it does
     * @throws StoreUnavailableException when the end could not be stored yet (it is kept and retried)
     */
    Job stopAndRecord(Job job, AttemptEnd end) {
        return await(stop(job, end), job);
    }

    /** Whether the job's attempt is being stopped on purpose now. */
    boolean isStopping(JobId id) {
        return stopping.containsKey(id);
    }

    /** Stops an attempt that must not run (it ended or was cancelled before its start was recorded). */
    void stopQuietly(Job job) {
        try {
            stopAttempt(job).whenComplete((ok, failure) -> {
                if (failure != null) {
                    LOG.log(Level.WARNING, "Job {0} attempt {1}: stopping it failed: {2}", job.id(), job.attempt(),
                            unwrap(failure).getMessage());
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Job {0} attempt {1}: stopping it failed: {2}", job.id(), job.attempt(), e.getMessage());
        }
    }

    /** The job's runner stops its attempt; an attempt on a runner that is not registered counts as stopped. */
    private CompletableFuture<Void> stopAttempt(Job job) {
        Optional<JobRunner> runner = runners.find(job.placement().runner());
        if (runner.isEmpty()) {
            LOG.log(Level.WARNING, "Job {0} runs on runner {1}, which is not registered; nothing to stop it with",
                    job.id(), job.placement().runner());
            return CompletableFuture.completedFuture(null);
        }
        return runner.get().stop(job, stopGrace);
    }

    private Job await(CompletableFuture<Job> recorded, Job job) {
        Duration wait = stopGrace.plus(confirmWait);
        try {
            return recorded.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (TimeoutException e) {
            throw new StopIncompleteException("job " + job.id() + ": its runner has not confirmed the stop within "
                    + wait.toSeconds() + " s; the job is recorded as stopped once it does");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StopIncompleteException("job " + job.id() + ": interrupted while waiting for its stop");
        }
    }

    static RuntimeException unwrap(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof RuntimeException runtime ? runtime
                : new StopIncompleteException("stopping failed: " + cause.getMessage());
    }

    // ---- state -----------------------------------------------------------------------------------

    /** Whether an end of this job waits to be stored; then nothing else decides it. */
    boolean isKept(JobId id) {
        return outcomes.isKept(id);
    }

    /** How many attempt ends wait to be stored. */
    int keptCount() {
        return outcomes.keptCount();
    }

    /** One last try for every kept end (at shutdown). */
    void flush() {
        outcomes.flush();
    }
}
