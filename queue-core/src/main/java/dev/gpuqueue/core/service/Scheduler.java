package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.error.StoreUnavailableException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobEvent;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.Dispatcher;
import dev.gpuqueue.core.port.GpuInventory;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Starts pending jobs. {@link #runOnce()} is one synchronous pass: in a single store transaction it
 * reads running jobs and the head of the dispatch order, plans with {@code DispatchPlanner} (through
 * {@link QueuePlanner}, which reads no further than the pass needs), and moves the chosen jobs to
 * running with their placement; after the commit it launches them. A launch that fails puts the job
 * back to pending with {@code attempt + 1}, or fails it on its last attempt. The optional background
 * loop ({@link #start()}) repeats the pass and enforces {@code max_runtime_seconds}.
 *
 * <p>It is also the {@link AttemptListener} of every launch: an attempt's end is committed (GPUs
 * released) and then a pass runs. Reports carry the attempt number; one for an attempt that no
 * longer holds the job is refused with {@link StaleReportException}. Thread-safe: any number of
 * threads may call any method; correctness rests on the store's serialized transactions.
 */
public final class Scheduler implements AttemptListener {
    private static final System.Logger LOG = System.getLogger(Scheduler.class.getName());

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);
    static final Duration STOP_RETRY = Duration.ofMinutes(1);

    static final String ACTOR = "scheduler";
    static final String RUNNER = "runner";

    private final JobStore store;
    private final GpuInventory gpus;
    private final JobLauncher launcher;
    private final Map<String, Dispatcher> dispatchers;
    private final QueuePlanner planner;
    private final Clock clock;
    private final Duration interval;
    private final Duration stopGrace;
    /** Jobs whose attempt is being stopped on purpose: their exit is recorded by the stopper, not the runner. */
    private final Set<JobId> stopping = ConcurrentHashMap.newKeySet();
    /** Attempt ends, kept and retried until stored when the store cannot be written. */
    /** Attempt ends, kept and retried until stored; a pass follows each, except a cancellation. */
    private final OutcomeRecorder outcomes = new OutcomeRecorder(this::commitEnd, (end, stored) -> {
        if (end.kind() != AttemptEnd.Kind.CANCELLED) {
            runOnce();
        }
    });
    /** Jobs past their time limit whose stop failed (processes stuck): not tried again before then. */
    private final Map<JobId, Instant> stopRetryAfter = new ConcurrentHashMap<>();

    private ScheduledExecutorService loop;
    private volatile Instant lastTick;

    public Scheduler(JobStore store, GpuInventory gpus, JobLauncher launcher, Map<String, Dispatcher> dispatchers,
            Clock clock, Duration interval, Duration stopGrace) {
        this.store = store;
        this.gpus = gpus;
        this.launcher = launcher;
        this.dispatchers = Map.copyOf(dispatchers);
        this.planner = new QueuePlanner(gpus, this.dispatchers.keySet());
        this.clock = clock;
        if (interval.isZero() || interval.isNegative() || stopGrace.isNegative()) {
            throw new IllegalArgumentException("interval must be > 0 and stop grace >= 0");
        }
        this.interval = interval;
        this.stopGrace = stopGrace;
    }

    // ---- passes ----------------------------------------------------------------------------------

    /** Runs one scheduling pass now and returns what it started and why the others wait. */
    public PassResult runOnce() {
        return runPassAfter(tx -> {}, plan -> {});
    }

    /**
     * Runs {@code prelude} (a submit's insert, say) and a pass in one transaction; {@code veto} sees
     * the plan before commit and may throw to roll everything back. Then launches what started.
     */
    PassResult runPassAfter(Consumer<JobTransaction> prelude, Consumer<PassPlan> veto) {
        Dispatched dispatched = store.inTransaction(tx -> {
            prelude.accept(tx);
            Dispatched d = dispatch(tx);
            veto.accept(d.plan());
            return d;
        });
        List<Job> started = new ArrayList<>();
        List<Job> failed = new ArrayList<>();
        for (Job job : dispatched.started()) {
            launch(job).ifPresentOrElse(started::add, () -> failed.add(job));
        }
        if (!failed.isEmpty()) {
            LOG.log(Level.DEBUG, "{0} launch(es) failed; their GPUs are free for the next pass", failed.size());
        }
        return new PassResult(started, failed, dispatched.plan().waiting());
    }

    /** What a pass would decide now for {@code extra}, as if it were pending; commits nothing. */
    QueuePlanner.Decided preview(Job extra) {
        return store.read(reader -> planner.decide(reader, clock.instant(), List.of(), extra));
    }

    /** Plans passes and queue entries from the smallest deciding prefix of the dispatch order. */
    QueuePlanner planner() {
        return planner;
    }

    private record Dispatched(PassPlan plan, List<Job> started) {}

    private Dispatched dispatch(JobTransaction tx) {
        Instant now = clock.instant();
        PassPlan plan = planner.planPass(tx, now);
        List<Job> started = new ArrayList<>();
        for (PassPlan.Start start : plan.starts()) {
            Job running = tx.update(start.job(), start.job().dispatched(start.placement(), now));
            tx.append(JobEvent.of(start.job(), running, now, ACTOR, JobEvent.Type.DISPATCHED,
                    describe(start.placement()) + ", attempt " + running.attempt()));
            started.add(running);
        }
        return new Dispatched(plan, started);
    }

    private static String describe(Placement placement) {
        if (placement.onWorker()) {
            return "on worker " + placement.workerId();
        }
        return placement.gpus().isEmpty() ? "dispatched" : "on GPUs " + placement.gpus();
    }

    // ---- launching -------------------------------------------------------------------------------

    /**
     * Launches a job that was just dispatched; returns it as running (with its process when recorded
     * in time), or empty when the launch failed.
     */
    private Optional<Job> launch(Job job) {
        Optional<ProcessRef> process;
        try {
            if (job.type() == JobType.CLOUD) {
                dispatchers.get(job.provider()).dispatch(job, this);
                process = Optional.empty();
            } else {
                process = launcher.launch(job, this);
            }
        } catch (LaunchException e) {
            String reason = "launch failed: " + e.getMessage();
            LOG.log(Level.WARNING, "Job {0} attempt {1}: {2}", job.id(), job.attempt(), reason);
            recordLaunchFailure(job, reason);
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Job " + job.id() + " attempt " + job.attempt() + ": launch failed unexpectedly", e);
            recordLaunchFailure(job, "launch failed: unexpected error (the server's log has the details)");
            return Optional.empty();
        }
        return Optional.of(recordLaunch(job, process.orElse(null)));
    }

    private Job recordLaunch(Job job, ProcessRef process) {
        Instant now = clock.instant();
        Optional<Job> recorded = store.inTransaction(tx -> {
            Optional<Job> current = tx.find(job.id());
            if (current.isEmpty() || !holds(current.get(), job.attempt())) {
                return Optional.empty();
            }
            Job updated = process == null ? current.get() : tx.update(current.get(), current.get().launched(process));
            tx.append(JobEvent.of(current.get(), updated, now, ACTOR, JobEvent.Type.LAUNCHED,
                    process == null ? "launched" : "launched as pid " + process.pid()));
            return Optional.of(updated);
        });
        if (recorded.isPresent()) {
            return recorded.get();
        }
        // Ended (fast exit) or cancelled between dispatch and launch: never leave an orphan attempt running.
        LOG.log(Level.DEBUG, "Job {0} attempt {1} ended before its launch was recorded", job.id(), job.attempt());
        stopAttempt(job);
        return job;
    }

    private void recordLaunchFailure(Job job, String reason) {
        Instant now = clock.instant();
        store.inTransaction(tx -> {
            tx.find(job.id()).filter(current -> holds(current, job.attempt())).ifPresent(current -> {
                Job next = current.retryOrFail(reason, now);
                tx.update(current, next);
                tx.append(JobEvent.of(current, next, now, ACTOR,
                        next.status() == PENDING ? JobEvent.Type.REQUEUED : JobEvent.Type.FAILED, reason));
            });
            return null;
        });
    }

    private static boolean holds(Job job, int attempt) {
        return job.status() == RUNNING && job.attempt() == attempt;
    }

    // ---- attempt outcomes ------------------------------------------------------------------------

    /**
     * Records how an attempt ended (completed on exit code 0, else failed naming the code), then runs
     * a pass. Ignored while the attempt is being stopped on purpose (cancel, time limit). When the
     * store cannot be written now, the end is kept and retried until it is stored.
     *
     * @throws StaleReportException when the attempt no longer holds the job
     */
    @Override
    public void attemptEnded(JobId jobId, int attempt, AttemptOutcome outcome) {
        if (stopping.contains(jobId)) {
            LOG.log(Level.DEBUG, "Job {0} attempt {1} ended while being stopped", jobId, attempt);
            return;
        }
        outcomes.record(AttemptEnd.of(jobId, attempt, outcome, clock.instant()));
    }

    /** An attempt whose outcome is unknown (its runner vanished): requeue, or fail on the last attempt. */
    @Override
    public void attemptLost(JobId jobId, int attempt, String reason) {
        if (stopping.contains(jobId)) {
            LOG.log(Level.DEBUG, "Job {0} attempt {1} lost while being stopped", jobId, attempt);
            return;
        }
        outcomes.record(AttemptEnd.lost(jobId, attempt, reason, clock.instant()));
    }

    private Job commitEnd(AttemptEnd end) {
        return store.inTransaction(tx -> {
            Job current = tx.find(end.jobId())
                    .orElseThrow(() -> new StaleReportException(end.jobId(), end.attempt(), "no such job"));
            if (current.status() != RUNNING) {
                throw new StaleReportException(end.jobId(), end.attempt(), "the job is " + current.status().wireName());
            }
            if (current.attempt() != end.attempt()) {
                throw new StaleReportException(end.jobId(), end.attempt(), "attempt " + current.attempt() + " holds the job");
            }
            Job next = tx.update(current, end.applyTo(current));
            tx.append(end.event(current, next));
            return next;
        });
    }

    /**
     * Finds running jobs whose process is gone without a recorded end (a lost callback, a watcher
     * that died) and records their end: the exit code the launcher knows, else lost. Only jobs whose
     * launch recorded a process are checked; attempts being stopped or whose end is kept are skipped.
     * Returns how many ends it recorded.
     */
    public int checkRunningProcesses() {
        List<Job> gone = store.read(r -> r.withStatus(RUNNING)).stream()
                .filter(job -> job.type() == JobType.LOCAL && !job.placement().onWorker() && job.process() != null)
                .filter(job -> !stopping.contains(job.id()) && !outcomes.isKept(job.id()))
                .filter(job -> !launcher.isAlive(job))
                .toList();
        int recorded = 0;
        for (Job job : gone) {
            OptionalInt exit = launcher.recordedExitCode(job);
            Instant now = clock.instant();
            AttemptEnd end = exit.isPresent()
                    ? AttemptEnd.of(job.id(), job.attempt(), AttemptOutcome.exited(exit.getAsInt()), now)
                    : AttemptEnd.lost(job.id(), job.attempt(), AttemptListener.NO_EXIT_STATUS, now);
            LOG.log(Level.WARNING, "Job {0} attempt {1}: its process is gone and its end was not recorded; recording {2}",
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

    static JobEvent.Type eventType(Job after) {
        return switch (after.status()) {
            case COMPLETED -> JobEvent.Type.COMPLETED;
            case FAILED -> JobEvent.Type.FAILED;
            case CANCELLED -> JobEvent.Type.CANCELLED;
            case PENDING -> JobEvent.Type.REQUEUED;
            default -> throw new IllegalArgumentException("not an outcome: " + after.status());
        };
    }

    // ---- stopping --------------------------------------------------------------------------------

    /**
     * Stops {@code job}'s running attempt and waits until it is gone, then records {@code end}
     * (cancelled, or failed for a time limit) like any attempt end: kept and retried if the store
     * cannot be written. While stopping, the attempt's own exit report is ignored, so {@code end}
     * decides; an end learned before (and kept) is stored first and wins.
     *
     * @return the job as stored
     * @throws StaleReportException when the attempt had already ended
     * @throws StoreUnavailableException when the end could not be stored yet (it is kept and retried)
     */
    Job stopAndRecord(Job job, AttemptEnd end) {
        if (outcomes.isKept(job.id())) {
            outcomes.storeNow(job.id());
        }
        stopping.add(job.id());
        try {
            stopAttempt(job);
            return outcomes.record(end).orElseThrow(() -> new StoreUnavailableException("job " + job.id()
                    + " was stopped, but the database cannot be written now; its end (" + end.describe()
                    + ") is kept and stored as soon as it can be", null));
        } finally {
            stopping.remove(job.id());
        }
    }

    private void stopAttempt(Job job) {
        if (job.type() == JobType.CLOUD) {
            Dispatcher dispatcher = dispatchers.get(job.provider());
            if (dispatcher != null) {
                dispatcher.cancel(job);
            }
        } else {
            launcher.stop(job, stopGrace);
        }
    }

    /**
     * Stops running jobs past their {@code max_runtime_seconds} and fails them ("exceeded max runtime
     * of N s"); a pass follows each. A stop that fails (processes stuck) is tried again a minute
     * later. Returns the jobs it failed.
     */
    public List<Job> enforceTimeLimits() {
        Instant now = clock.instant();
        List<Job> overdue = store.read(r -> r.withStatus(RUNNING)).stream()
                .filter(job -> job.spec().maxRuntimeSeconds() != null
                        && Duration.between(job.startedAt(), now).getSeconds() >= job.spec().maxRuntimeSeconds())
                .filter(job -> !outcomes.isKept(job.id()) && !now.isBefore(stopRetryAfter.getOrDefault(job.id(), now)))
                .toList();
        List<Job> failed = new ArrayList<>();
        for (Job job : overdue) {
            LOG.log(Level.INFO, "Job {0} exceeded max runtime of {1} s; stopping it", job.id(),
                    job.spec().maxRuntimeSeconds());
            try {
                failed.add(stopAndRecord(job, AttemptEnd.timeLimit(job, clock.instant())));
                stopRetryAfter.remove(job.id());
            } catch (StaleReportException | StoreUnavailableException endedOrKept) {
                LOG.log(Level.INFO, "Job {0}: {1}", job.id(), endedOrKept.getMessage());
            } catch (QueueException e) {
                stopRetryAfter.put(job.id(), clock.instant().plus(STOP_RETRY));
                LOG.log(Level.WARNING, "Job {0}: stopping it past its time limit failed ({1}); trying again in {2} s",
                        job.id(), e.getMessage(), STOP_RETRY.toSeconds());
            }
        }
        return failed;
    }

    // ---- background loop -------------------------------------------------------------------------

    /** Starts the background loop (idempotent): every interval, enforce time limits and run a pass. */
    public synchronized void start() {
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
        LOG.log(Level.INFO, "Queue scheduler started with {0}s processing interval", seconds(interval));
    }

    /** Stops the background loop and waits for a pass in progress to finish; running jobs are untouched. */
    public synchronized void stop() {
        if (loop == null) {
            outcomes.flush();
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
        outcomes.flush();
        LOG.log(Level.INFO, "Queue scheduler stopped");
    }

    public synchronized boolean isStarted() {
        return loop != null;
    }

    /** How many attempt ends wait to be stored (the store could not be written when they were learned). */
    public int unstoredAttemptEnds() {
        return outcomes.keptCount();
    }

    /** When the background loop last completed a tick, or null if it has not. */
    public Instant lastTick() {
        return lastTick;
    }

    public Duration interval() {
        return interval;
    }

    /** One tick: each step on its own, so one that fails (a stuck stop, a busy store) does not hold up the others. */
    private void tick() {
        step("enforcing time limits", this::enforceTimeLimits);
        step("checking running jobs", this::checkRunningProcesses);
        if (step("the scheduling pass", this::runOnce)) {
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

    /** A duration as seconds the way the log line shows it: {@code 5}, {@code 0.5}. */
    public static String formatSeconds(Duration duration) {
        return seconds(duration);
    }

    static String seconds(Duration duration) {
        return BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }

    /** The store, for collaborators in this package. */
    JobStore store() {
        return store;
    }

    /** Whether cloud jobs of {@code provider} can ever be handed to anyone. */
    boolean hasDispatcher(String provider) {
        return dispatchers.containsKey(provider);
    }

    Set<String> providers() {
        return dispatchers.keySet();
    }

    JobLauncher launcher() {
        return launcher;
    }

    GpuInventory gpus() {
        return gpus;
    }
}
