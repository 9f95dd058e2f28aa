package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Starts pending jobs and follows running ones: the facade over the scheduling passes
 * ({@link #runOnce()}), the attempt reports (runners report every attempt's end to the core, and
 * the tick probes running jobs with their runners), the time limits, and the background loop that
 * repeats them ({@link #start()}). Tests and embedders drive it one step at a time. Thread-safe.
 */
public final class Scheduler {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_STOP_CONFIRM_WAIT = Duration.ofSeconds(30);

    private final Passes passes;
    private final AttemptReports reports;
    private final TimeLimits timeLimits;
    private final SchedulerLoop loop;

    Scheduler(Passes passes, AttemptReports reports, TimeLimits timeLimits, SchedulerLoop loop) {
        this.passes = passes;
        this.reports = reports;
        this.timeLimits = timeLimits;
        this.loop = loop;
    }

    /** Registers {@code listener} for every later pass (a submit's, a tick's, one after a job ended). */
    public void addPassListener(PassListener listener) {
        passes.addListener(listener);
    }

    /** Runs one scheduling pass now and returns what it started and why the others wait. */
    public PassResult runOnce() {
        return passes.runOnce();
    }

    /**
     * Stops running jobs past their {@code max_runtime_seconds} and fails them; a pass follows
     * each. Returns the jobs it failed.
     */
    public List<Job> enforceTimeLimits() {
        return timeLimits.enforce();
    }

    /**
     * Asks the runners of running jobs that have a process whether they still run, and records the
     * end of those that ended without a report. Returns how many ends it recorded.
     */
    public int checkRunningJobs() {
        return reports.checkRunningJobs();
    }

    /** Starts the background loop (idempotent): every interval, time limits, running jobs, a pass. */
    public void start() {
        loop.start();
    }

    /** Stops the background loop and waits for a tick in progress; running jobs are untouched. */
    public void stop() {
        loop.stop();
    }

    public boolean isStarted() {
        return loop.isStarted();
    }

    /** How many attempt ends wait to be stored (the store could not be written when they were learned). */
    public int unstoredAttemptEnds() {
        return reports.keptCount();
    }

    /** When the background loop last completed a tick, or null if it has not. */
    public Instant lastTick() {
        return loop.lastTick();
    }

    public Duration interval() {
        return loop.interval();
    }

    /** A duration as seconds the way the log line shows it: {@code 5}, {@code 0.5}. */
    public static String formatSeconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }
}
