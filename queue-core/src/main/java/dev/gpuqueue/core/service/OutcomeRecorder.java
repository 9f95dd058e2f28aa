package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StoreException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Records how attempts ended, and never forgets one it could not record. When the store cannot be
 * written at that moment (its lock held elsewhere past the busy timeout, a full disk), the end is
 * kept in memory and retried with backoff (0.1 s doubling to 2 s), logging a WARNING with the reason
 * on each failure and an ERROR once it has lasted over a minute, until it is stored; then
 * {@code afterRecorded} runs (a scheduling pass on the freed GPUs). While kept, the job stays running
 * in the store and holds its GPUs, and later reports of the same attempt are ignored: the first end
 * learned wins. Thread-safe.
 */
final class OutcomeRecorder {
    private static final System.Logger LOG = System.getLogger(OutcomeRecorder.class.getName());
    static final Duration FIRST_RETRY = Duration.ofMillis(100);
    static final Duration MAX_RETRY = Duration.ofSeconds(2);
    static final Duration ERROR_AFTER = Duration.ofMinutes(1);

    private final Function<AttemptEnd, Job> commit;
    private final BiConsumer<AttemptEnd, Job> afterRecorded;
    private final Map<JobId, Kept> kept = new ConcurrentHashMap<>();
    private ScheduledExecutorService retries;

    /** An end that is not stored yet: since when (System.nanoTime) and how often it failed. */
    private record Kept(AttemptEnd end, long firstFailureNanos, int failures) {}

    /**
     * @param commit stores an end (throws {@link StaleReportException} when the attempt no longer
     *     holds the job, a store exception when it cannot be written now)
     * @param afterRecorded runs after each end is stored, with the job as stored
     */
    OutcomeRecorder(Function<AttemptEnd, Job> commit, BiConsumer<AttemptEnd, Job> afterRecorded) {
        this.commit = commit;
        this.afterRecorded = afterRecorded;
    }

    /**
     * Stores {@code end} now; when the store cannot be written, keeps it for retries and returns
     * empty. The first end learned of an attempt wins: while one is kept, a later report of the
     * same attempt is ignored (returns empty).
     *
     * @throws StaleReportException when the attempt no longer holds the job
     */
    Optional<Job> record(AttemptEnd end) {
        Kept earlier = kept.get(end.jobId());
        if (earlier != null && earlier.end().attempt() == end.attempt()) {
            LOG.log(Level.DEBUG, "Job {0} attempt {1}: {2} comes after the kept end ({3}); ignored", end.jobId(),
                    end.attempt(), end.describe(), earlier.end().describe());
            return Optional.empty();
        }
        Job stored;
        try {
            stored = commit.apply(end);
        } catch (RuntimeException e) {
            if (!isStoreFailure(e)) {
                throw e;
            }
            if (!(e instanceof QueueException)) {
                LOG.log(Level.ERROR, "Recording the end of job " + end.jobId() + " failed unexpectedly; retrying", e);
            }
            if (kept.putIfAbsent(end.jobId(), new Kept(end, System.nanoTime(), 1)) == null) {
                scheduleRetry(kept.get(end.jobId()), e);
            }
            return Optional.empty();
        }
        recorded(stored, end, null);
        return Optional.of(stored);
    }

    /** Whether an end of this job waits to be stored. */
    boolean isKept(JobId id) {
        return kept.containsKey(id);
    }

    /** How many ends wait to be stored. */
    int keptCount() {
        return kept.size();
    }

    /** One last try for every kept end (at shutdown); logs, at ERROR, each that still cannot be stored. */
    void flush() {
        for (Kept k : kept.values()) {
            retry(k.end().jobId(), false);
        }
        kept.values().forEach(k -> LOG.log(Level.ERROR, "Job {0} attempt {1} ended ({2}) but this could not be"
                + " stored before shutdown; after a restart its outcome comes from its exit file, if written",
                k.end().jobId(), k.end().attempt(), k.end().describe()));
        synchronized (this) {
            if (retries != null) {
                retries.shutdownNow();
                retries = null;
            }
        }
    }

    /** Tries once, now, to store the kept end of job {@code id} (before a cancel or a time limit decides otherwise). */
    void storeNow(JobId id) {
        retry(id, false);
    }

    /** Logs the failure and schedules the next try of {@code k} (one chain of retries per job). */
    private void scheduleRetry(Kept k, RuntimeException failure) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - k.firstFailureNanos());
        Duration delay = backoff(k.failures());
        Level level = elapsed.compareTo(ERROR_AFTER) > 0 ? Level.ERROR : Level.WARNING;
        LOG.log(level, "Job {0} attempt {1} ended ({2}) but recording it failed ({3} time(s), for {4} s): {5};"
                        + " keeping it and retrying in {6} s", k.end().jobId(), k.end().attempt(), k.end().describe(),
                k.failures(), elapsed.toSeconds(), failure.getMessage(), Scheduler.formatSeconds(delay));
        executor().schedule(() -> retry(k.end().jobId(), true), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void retry(JobId id, boolean reschedule) {
        Kept k = kept.get(id);
        if (k == null) {
            return;
        }
        Job stored;
        try {
            stored = commit.apply(k.end());
        } catch (StaleReportException stale) {
            kept.remove(id, k);
            LOG.log(Level.INFO, "Job {0} attempt {1}: its kept end is no longer needed ({2})", id, k.end().attempt(),
                    stale.getMessage());
            return;
        } catch (RuntimeException e) {
            if (reschedule && isStoreFailure(e)) {
                Kept again = new Kept(k.end(), k.firstFailureNanos(), k.failures() + 1);
                kept.put(id, again);
                scheduleRetry(again, e);
            } else if (!isStoreFailure(e)) {
                kept.remove(id, k);
                LOG.log(Level.ERROR, "Job " + id + ": recording its end failed for good", e);
            }
            return;
        }
        kept.remove(id, k);
        recorded(stored, k.end(), k);
    }

    private void recorded(Job stored, AttemptEnd end, Kept after) {
        LOG.log(Level.INFO, "Job {0} {1}{2}{3}", end.jobId(), stored.status().wireName(),
                stored.errorMessage() == null ? "" : ": " + stored.errorMessage(),
                after == null ? "" : " (stored after " + after.failures() + " failed attempt(s))");
        try {
            afterRecorded.accept(end, stored);
        } catch (QueueException e) {
            LOG.log(Level.WARNING, "The pass after job {0} ended failed; the next tick retries: {1}", end.jobId(),
                    e.getMessage());
        }
    }

    static boolean isStoreFailure(RuntimeException e) {
        return e instanceof StoreException || e instanceof StoreUnavailableException || !(e instanceof QueueException);
    }

    static Duration backoff(int failures) {
        long millis = FIRST_RETRY.toMillis() << Math.min(failures - 1, 10);
        return Duration.ofMillis(Math.min(millis, MAX_RETRY.toMillis()));
    }

    private synchronized ScheduledExecutorService executor() {
        if (retries == null) {
            retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gpuqueue-outcome-retry");
                thread.setDaemon(true);
                return thread;
            });
        }
        return retries;
    }
}
