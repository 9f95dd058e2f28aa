package dev.gpuqueue.core.testing;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A local runner that runs nothing but remembers everything: which attempts were started on which
 * GPUs, which are "alive", which were stopped. Tests end attempts with {@link #finish} (or
 * {@link #lose}, {@link #report}), script start failures with {@link #failNextLaunches}, and set up
 * what a restarted server finds with {@link #recordExit} and {@link #markAlive}. It counts
 * overlapping attempts of one job ({@link #overlaps()}): a job started twice. Thread-safe.
 */
public final class RecordingRunner implements JobRunner {

    /** One attempt as started (or resumed). */
    public record Attempt(JobId jobId, int attempt, List<Integer> gpus, long pid, AttemptListener listener) {}

    private final Map<JobId, Attempt> live = new ConcurrentHashMap<>();
    private final List<Attempt> launched = Collections.synchronizedList(new ArrayList<>());
    private final List<JobId> stopped = Collections.synchronizedList(new ArrayList<>());
    private final List<JobId> adopted = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedDeque<String> scriptedFailures = new ConcurrentLinkedDeque<>();
    private final ConcurrentLinkedDeque<Integer> instantExits = new ConcurrentLinkedDeque<>();
    private final Map<JobId, Integer> recordedExits = new ConcurrentHashMap<>();
    private final Map<JobId, Integer> aliveAttempts = new ConcurrentHashMap<>();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicLong pids = new AtomicLong(1000);

    // ---- JobRunner -------------------------------------------------------------------------------

    @Override
    public String name() {
        return Placement.LOCAL;
    }

    @Override
    public Optional<ProcessRef> start(Job job, AttemptListener listener) {
        String failure = scriptedFailures.poll();
        if (failure != null) {
            throw new LaunchException(failure);
        }
        Attempt attempt = new Attempt(job.id(), job.attempt(), job.allocatedGpus(), pids.incrementAndGet(), listener);
        if (live.putIfAbsent(job.id(), attempt) != null) {
            overlaps.incrementAndGet();
            live.put(job.id(), attempt);
        }
        launched.add(attempt);
        Integer instantExit = instantExits.poll();
        if (instantExit != null && live.remove(job.id(), attempt)) {
            report(attempt, AttemptOutcome.exited(instantExit));
        }
        return Optional.of(new ProcessRef(attempt.pid(), Instant.EPOCH.plusSeconds(attempt.pid())));
    }

    @Override
    public void resume(Job job, AttemptListener listener) {
        long pid = job.process() == null ? pids.incrementAndGet() : job.process().pid();
        live.put(job.id(), new Attempt(job.id(), job.attempt(), job.allocatedGpus(), pid, listener));
        adopted.add(job.id());
    }

    /** Stops the attempt; like a real process, it then reports exit 143 (SIGTERM), which may be refused. */
    @Override
    public CompletableFuture<Void> stop(Job job, Duration grace) {
        stopped.add(job.id());
        Attempt attempt = live.get(job.id());
        if (attempt != null && attempt.attempt() == job.attempt() && live.remove(job.id(), attempt)) {
            report(attempt, AttemptOutcome.exited(143));
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Running while started (or resumed) and not finished, or when marked alive after a "restart";
     * else ended with the recorded exit code, if one was set; else gone.
     */
    @Override
    public AttemptState probe(Job job) {
        Attempt live = this.live.get(job.id());
        Integer alive = aliveAttempts.get(job.id());
        if (live != null && live.attempt() == job.attempt() || alive != null && alive == job.attempt()) {
            return AttemptState.RUNNING;
        }
        Integer code = recordedExits.get(job.id());
        return code == null ? AttemptState.GONE : AttemptState.ended(code);
    }

    // ---- driving it ------------------------------------------------------------------------------

    /** Ends the job's live attempt with {@code exitCode}, reporting to its listener. */
    public void finish(JobId id, int exitCode) {
        Attempt attempt = live.remove(id);
        if (attempt == null) {
            throw new IllegalStateException("job " + id + " has no live attempt");
        }
        report(attempt, AttemptOutcome.exited(exitCode));
    }

    /** Ends the job's live attempt if it has one; false otherwise (for randomized tests). */
    public boolean finishIfLive(JobId id, int exitCode) {
        Attempt attempt = live.remove(id);
        if (attempt == null) {
            return false;
        }
        report(attempt, AttemptOutcome.exited(exitCode));
        return true;
    }

    /** The job's live attempt is lost (its runner vanished): reports it lost to its listener. */
    public void lose(JobId id, String reason) {
        Attempt attempt = live.remove(id);
        if (attempt == null) {
            throw new IllegalStateException("job " + id + " has no live attempt");
        }
        attempt.listener().attemptLost(id, attempt.attempt(), reason);
    }

    /**
     * Reports {@code outcome} for attempt {@code attempt} of the job to the listener its last start
     * was given, as a late or confused runner would; the core may refuse it ({@code StaleReportException}).
     */
    public void report(JobId id, int attempt, AttemptOutcome outcome) {
        Attempt last = launched().stream().filter(a -> a.jobId().equals(id)).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("job " + id + " was never started"));
        last.listener().attemptEnded(id, attempt, outcome);
    }

    private static void report(Attempt attempt, AttemptOutcome outcome) {
        try {
            attempt.listener().attemptEnded(attempt.jobId(), attempt.attempt(), outcome);
        } catch (StaleReportException refused) {
            // The job moved on (cancelled, timed out): a real watcher logs this and stops.
        }
    }

    /** The next {@code count} launches fail with {@code message}. */
    public void failNextLaunches(int count, String message) {
        for (int i = 0; i < count; i++) {
            scriptedFailures.add(message);
        }
    }

    /** The next launch's process exits with {@code exitCode} before {@code launch} even returns. */
    public void exitDuringNextLaunch(int exitCode) {
        instantExits.add(exitCode);
    }

    /** After a "restart": the job's current attempt left this exit code behind. */
    public void recordExit(JobId id, int exitCode) {
        recordedExits.put(id, exitCode);
    }

    /** After a "restart": the job's attempt {@code attempt} is still running. */
    public void markAlive(JobId id, int attempt) {
        aliveAttempts.put(id, attempt);
    }

    /** The job's runner vanished: its attempt is no longer live here (and will never report). */
    public void forget(JobId id) {
        live.remove(id);
    }

    /** Forgets the live attempts, as a server crash forgets its watchers (the processes are not told). */
    public void forgetLiveAttempts() {
        live.clear();
    }

    public List<Attempt> launched() {
        synchronized (launched) {
            return List.copyOf(launched);
        }
    }

    public List<JobId> launchedIds() {
        return launched().stream().map(Attempt::jobId).toList();
    }

    public List<JobId> stopped() {
        synchronized (stopped) {
            return List.copyOf(stopped);
        }
    }

    public List<JobId> adopted() {
        synchronized (adopted) {
            return List.copyOf(adopted);
        }
    }

    public boolean isLive(JobId id) {
        return live.containsKey(id);
    }

    public List<JobId> liveIds() {
        return List.copyOf(live.keySet());
    }

    /** How many times a job was launched while an earlier attempt of it was still live. */
    public int overlaps() {
        return overlaps.get();
    }
}
