package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.port.JobStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Enforces {@code max_runtime_seconds}: stops running jobs past their limit and fails them
 * ("exceeded max runtime of N s"); a pass follows each. A stop that does not complete (processes
 * stuck) is tried again a minute later; one that a runner confirms later is recorded then, never
 * waited for on the scheduler's tick. Thread-safe.
 */
final class TimeLimits {
    private static final System.Logger LOG = System.getLogger(TimeLimits.class.getName());
    static final Duration STOP_RETRY = Duration.ofMinutes(1);

    private final JobStore store;
    private final AttemptReports reports;
    private final Clock clock;
    /** Jobs past their time limit whose stop failed: not tried again before then. */
    private final Map<JobId, Instant> stopRetryAfter = new ConcurrentHashMap<>();

    TimeLimits(JobStore store, AttemptReports reports, Clock clock) {
        this.store = store;
        this.reports = reports;
        this.clock = clock;
    }

    /**
     * Stops and fails every running job past its limit that is not being stopped already; returns the
     * jobs it failed now. A runner that confirms its stop later is not waited for: the job fails when
     * it confirms.
     */
    List<Job> enforce() {
        Instant now = clock.instant();
        List<Job> overdue = store.read(r -> r.withStatus(RUNNING)).stream()
                .filter(job -> job.spec().maxRuntimeSeconds() != null
                        && Duration.between(job.startedAt(), now).getSeconds() >= job.spec().maxRuntimeSeconds())
                .filter(job -> !reports.isKept(job.id()) && !reports.isStopping(job.id()))
                .filter(job -> !now.isBefore(stopRetryAfter.getOrDefault(job.id(), now)))
                .toList();
        List<Job> failed = new ArrayList<>();
        for (Job job : overdue) {
            LOG.log(Level.INFO, "Job {0} exceeded max runtime of {1} s; stopping it", job.id(),
                    job.spec().maxRuntimeSeconds());
            try {
                CompletableFuture<Job> stopped = reports.stop(job, AttemptEnd.timeLimit(job, clock.instant()));
                stopped.whenComplete((stored, failure) -> settled(job, failure));
                if (stopped.isDone() && !stopped.isCompletedExceptionally()) {
                    failed.add(stopped.join());
                }
            } catch (QueueException e) {
                settled(job, e);
            }
        }
        return failed;
    }

    /** A stop that did not complete (processes stuck) is tried again a minute later; any other outcome is final. */
    private void settled(Job job, Throwable failure) {
        RuntimeException cause = failure == null ? null : AttemptReports.unwrap(failure);
        if (cause == null || cause instanceof StaleReportException || cause instanceof StoreUnavailableException) {
            stopRetryAfter.remove(job.id());
            if (cause != null) {
                LOG.log(Level.INFO, "Job {0}: {1}", job.id(), cause.getMessage());
            }
            return;
        }
        stopRetryAfter.put(job.id(), clock.instant().plus(STOP_RETRY));
        LOG.log(Level.WARNING, "Job {0}: stopping it past its time limit failed ({1}); trying again in {2} s",
                job.id(), cause.getMessage(), STOP_RETRY.toSeconds());
    }
}
