package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.QueueException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The background loop: every interval, one tick enforces time limits, checks running jobs with
 * their runners, and runs a pass; each step on its own, so one that fails (a stuck stop, a busy
 * store) does not hold up the others. The loop only repeats what tests call one step at a time.
 * Thread-safe.
 */
final class SchedulerLoop {
    private static final System.Logger LOG = System.getLogger(SchedulerLoop.class.getName());

    private final Passes passes;
    private final AttemptReports reports;
    private final TimeLimits timeLimits;
    private final Clock clock;
    private final Duration interval;
    private ScheduledExecutorService loop;
    private volatile Instant lastTick;

    SchedulerLoop(Passes passes, AttemptReports reports, TimeLimits timeLimits, Clock clock, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("the scheduler interval must be > 0, got " + interval);
        }
        this.passes = passes;
        this.reports = reports;
        this.timeLimits = timeLimits;
        this.clock = clock;
        this.interval = interval;
    }

    /** Starts the loop (idempotent). */
    synchronized void start() {
        if (loop != null) {
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gpuqueue-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        loop.scheduleWithFixedDelay(this::tick, millis, millis, TimeUnit.MILLISECONDS);
        LOG.log(Level.INFO, "Queue scheduler started with {0}s processing interval", Scheduler.formatSeconds(interval));
    }

    /** Stops the loop and waits for a tick in progress; then one last try to store kept attempt ends. */
    synchronized void stop() {
        if (loop == null) {
            reports.flush();
            return;
        }
        loop.shutdown();
        try {
            if (!loop.awaitTermination(30, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
        loop = null;
        reports.flush();
        LOG.log(Level.INFO, "Queue scheduler stopped");
    }

    synchronized boolean isStarted() {
        return loop != null;
    }

    Instant lastTick() {
        return lastTick;
    }

    Duration interval() {
        return interval;
    }

    private void tick() {
        step("enforcing time limits", timeLimits::enforce);
        step("checking running jobs", reports::checkRunningJobs);
        if (step("the scheduling pass", passes::runOnce)) {
            lastTick = clock.instant();
        }
    }

    private static boolean step(String what, Runnable work) {
        try {
            work.run();
            return true;
        } catch (QueueException e) {
            LOG.log(Level.WARNING, "{0} failed; retrying next tick: {1}", what, e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, what + " failed unexpectedly; retrying next tick", e);
        }
        return false;
    }
}
