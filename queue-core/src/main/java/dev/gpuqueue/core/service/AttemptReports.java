package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StopIncompleteException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
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
import java.util.Optional;
import java.util.Set;
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
    /** Jobs whose attempt is being stopped on purpose: their exit is recorded by the stopper, not the runner. */
    private final Set<JobId> stopping = ConcurrentHashMap.newKeySet();
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

    private void report(AttemptEnd end) {
        if (stopping.contains(end.jobId())) {
            LOG.log(Level.DEBUG, "Job {0} attempt {1} ended ({2}) while being stopped", end.jobId(), end.attempt(),
                    end.describe());
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
                .filter(job -> job.process() != null && !stopping.contains(job.id()) && !outcomes.isKept(job.id()))
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
                    ? AttemptEnd.of(job.id(), job.attempt(), AttemptOutcome.exited(state.exitCode()), now)
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

    /**
     * Stops {@code job}'s running attempt, waits until its runner confirms, then records {@code end}
     * (cancelled, or failed for a time limit) like any attempt end: kept and retried if the store
     * cannot be written. While stopping, the attempt's own exit report is ignored, so {@code end}
     * decides; an end learned before (and kept) is stored first and wins.
     *
     * @return the job as stored
     * @throws StaleReportException when the attempt had already ended
     * @throws StopIncompleteException when the stop did not complete (processes stuck), or its runner
     *     has not confirmed it within the grace and the confirm wait: then {@code end} is recorded
     *     once it does
     * @throws StoreUnavailableException when the end could not be stored yet (it is kept and retried)
     */
    Job stopAndRecord(Job job, AttemptEnd end) {
        if (outcomes.isKept(job.id())) {
            outcomes.storeNow(job.id());
        }
        stopping.add(job.id());
        CompletableFuture<Job> recorded;
        try {
            recorded = stop(job).thenApply(stopped -> outcomes.record(end).orElseThrow(() -> new StoreUnavailableException(
                    "job " + job.id() + " was stopped, but the database cannot be written now; its end ("
                            + end.describe() + ") is kept and stored as soon as it can be", null)));
        } catch (RuntimeException e) {
            stopping.remove(job.id());
            throw e;
        }
        recorded.whenComplete((stored, failure) -> stopping.remove(job.id()));
        return await(recorded, job);
    }

    /** Stops an attempt that must not run (it ended or was cancelled before its start was recorded). */
    void stopQuietly(Job job) {
        try {
            stop(job).whenComplete((ok, failure) -> {
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
    private CompletableFuture<Void> stop(Job job) {
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

    private static RuntimeException unwrap(Throwable failure) {
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
