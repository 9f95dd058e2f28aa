package dev.gpuqueue.core.worker;

import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.error.QueueException;
import dev.gpuqueue.core.error.StaleReportException;
import dev.gpuqueue.core.model.GpuDevice;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.OnlineWorker;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.model.Worker;
import dev.gpuqueue.core.model.WorkerStatus;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobLogs;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.WorkerRegistry;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The orchestrator's picture of its remote workers: who is alive (any authenticated request is a
 * sign of life; none within {@code offlineAfter} and the worker is offline, its attempt given up
 * through the runner port, so it is requeued or failed), what each one should run (the attempt the
 * scheduler assigned it, to stop or not), and the long polls that wait for that to change.
 *
 * <p>Every report a worker makes names the attempt it runs, its lease: the store must still have
 * the job running on that worker with that attempt, else {@link StaleReportException} (409), and the
 * worker stops what it runs. A worker's instructions are always computed from what it says it runs,
 * so a lost answer or a restart on either side is repaired on the next request. Which worker is busy
 * comes from the running jobs in the store, the same record the scheduler decides from.
 * Thread-safe; nothing is called out of the hub while one of its locks is held.
 */
public final class WorkerHub {
    private static final System.Logger LOG = System.getLogger(WorkerHub.class.getName());
    public static final Duration DEFAULT_OFFLINE_AFTER = Duration.ofSeconds(120);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    static final String ACTOR = "workers";

    private final WorkerRegistry registry;
    private final JobStore store;
    private final JobLogs logs;
    private final Clock clock;
    private final Duration offlineAfter;
    /** The registry's workers, kept here so that every scheduling pass reads them without I/O. */
    private final Map<String, Worker> records = new ConcurrentHashMap<>();
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    /** Serializes read-modify-write changes of a worker's record. */
    private final Object recordChanges = new Object();
    private final WorkerRunner runner = new WorkerRunner(this);
    private volatile Runnable pass = () -> {};
    private volatile Instant since;
    private ScheduledExecutorService timer;

    public WorkerHub(WorkerRegistry registry, JobStore store, JobLogs logs, Clock clock, Duration offlineAfter) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.store = Objects.requireNonNull(store, "store");
        this.logs = Objects.requireNonNull(logs, "logs");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (offlineAfter.isNegative() || offlineAfter.isZero()) {
            throw new IllegalArgumentException("the worker timeout must be > 0, got " + offlineAfter);
        }
        this.offlineAfter = offlineAfter;
        this.since = clock.instant();
        registry.list().forEach(w -> records.put(w.id(), w));
    }

    /** What a live worker is doing, as far as this orchestrator knows. Guarded by itself. */
    private static final class Live {
        /** Null until the worker is heard from after this hub started. */
        Instant lastSeen;
        /** Declared offline (its attempt was given up); cleared by its next request. */
        boolean offline;
        /** The worker was removed: nothing is assigned to it any more. */
        boolean removed;
        Assignment assignment;
        final List<Waiter> waiters = new ArrayList<>();
    }

    /** The attempt a worker should run, who hears its end, and whether it is to be stopped. */
    private record Assignment(Job job, AttemptListener listener, boolean stopping, CompletableFuture<Void> stopped) {
        Held held() {
            return Held.of(job);
        }
    }

    private record Waiter(Held have, CompletableFuture<Instructions> answer) {}

    /** The {@code worker} runner: how the scheduler starts, stops and watches jobs placed on workers. */
    public WorkerRunner runner() {
        return runner;
    }

    /** What runs a scheduling pass; called when a worker comes online or may take work again. */
    public void onAssignable(Runnable schedulingPass) {
        this.pass = Objects.requireNonNull(schedulingPass);
    }

    /** How long a worker may stay silent before it is offline. */
    public Duration offlineAfter() {
        return offlineAfter;
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    /** Starts the liveness checks; workers not heard from get the full timeout from now. */
    public synchronized void start() {
        if (timer != null) {
            return;
        }
        since = clock.instant();
        timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gpuqueue-workers");
            thread.setDaemon(true);
            return thread;
        });
        long every = Math.max(100, Math.min(1000, offlineAfter.toMillis() / 4));
        timer.scheduleWithFixedDelay(this::checkLivenessQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** Stops the liveness checks and answers every waiting poll (workers keep their jobs running). */
    public synchronized void stop() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        live.values().forEach(this::wake);
    }

    private void checkLivenessQuietly() {
        try {
            checkLiveness();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Checking workers' heartbeats failed; trying again", e);
        }
    }

    // ---- what the scheduler sees -----------------------------------------------------------------

    /** The workers heard from within the timeout, for the scheduler to plan with. */
    public List<OnlineWorker> online() {
        List<OnlineWorker> online = new ArrayList<>();
        for (Worker w : records.values()) {
            Live l = live.get(w.id());
            if (l != null && isOnline(l)) {
                online.add(new OnlineWorker(w.id(), w.labels(),
                        w.gpus().stream().map(GpuDevice::index).collect(Collectors.toCollection(TreeSet::new)), w.draining()));
            }
        }
        online.sort((a, b) -> a.id().compareTo(b.id()));
        return online;
    }

    private static boolean isOnline(Live l) {
        synchronized (l) {
            return l.lastSeen != null && !l.offline;
        }
    }

    // ---- what workers ask ------------------------------------------------------------------------

    /** The worker a token belongs to, looked up by the token's hash. */
    public Optional<Worker> authenticate(String token) {
        if (token == null || token.isBlank()) {
            return Optional.empty();
        }
        return registry.findByTokenHash(WorkerTokens.hash(token.strip())).map(w -> records.getOrDefault(w.id(), w));
    }

    /**
     * A worker (re)started: its labels and GPUs are recorded (the admin's labels stay, so does
     * draining) and it is online. Returns what it must do, given the attempt it says it still runs.
     */
    public Instructions register(Worker worker, Map<String, String> labels, List<GpuDevice> gpus, Held running) {
        Worker registered = change(worker.id(), w -> w.registered(labels, gpus, clock.instant()));
        Live l = live.computeIfAbsent(registered.id(), id -> new Live());
        markSeen(l);
        event(ACTOR, "worker " + registered.id() + " registered: " + gpus.size() + (gpus.size() == 1 ? " GPU" : " GPUs")
                + (registered.labels().isEmpty() ? "" : ", labels " + registered.labels())
                + (running == null ? "" : ", running " + running));
        triggerPass();
        return instructions(l, running);
    }

    /** A heartbeat: the worker is alive and runs {@code running} (or nothing); returns what it must do. */
    public Instructions heartbeat(Worker worker, Held running) {
        return instructions(seen(worker), running);
    }

    /**
     * A long poll: answers at once when the worker has something to do, else when that changes, else
     * with nothing to do after {@code wait} (at most half the offline timeout). A worker waiting in a
     * poll is alive.
     */
    public CompletableFuture<Instructions> poll(Worker worker, Held running, Duration wait) {
        Live l = seen(worker);
        Duration capped = wait.compareTo(offlineAfter.dividedBy(2)) > 0 ? offlineAfter.dividedBy(2) : wait;
        CompletableFuture<Instructions> answer = new CompletableFuture<>();
        synchronized (l) {
            Instructions now = instructionsLocked(l, running);
            if (!now.isEmpty()) {
                return CompletableFuture.completedFuture(now);
            }
            l.waiters.add(new Waiter(running, answer));
        }
        answer.whenComplete((done, failure) -> {
            synchronized (l) {
                l.waiters.removeIf(w -> w.answer() == answer);
            }
        });
        return answer.completeOnTimeout(Instructions.NONE, capped.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The worker runs {@code held}: accepted while it holds the lease.
     *
     * @throws StaleReportException when it does not (it must stop the attempt)
     */
    public void running(Worker worker, Held held) {
        seen(worker);
        leased(worker, held);
    }

    /**
     * The attempt ended with {@code outcome} on the worker: recorded like any attempt's end.
     *
     * @throws StaleReportException when the worker does not hold the lease (nothing changes)
     */
    public void ended(Worker worker, Held held, AttemptOutcome outcome) {
        report(worker, held, (listener) -> listener.attemptEnded(held.jobId(), held.attempt(), outcome));
    }

    /**
     * The attempt could not be run, or vanished, on the worker, with no exit status: requeued with
     * {@code attempt + 1}, or failed when no attempt is left.
     *
     * @throws StaleReportException when the worker does not hold the lease (nothing changes)
     */
    public void lost(Worker worker, Held held, String reason) {
        report(worker, held, (listener) -> listener.attemptLost(held.jobId(), held.attempt(),
                "on worker " + worker.id() + ": " + reason));
    }

    /**
     * Output of an attempt the worker runs, for the job's log here; returns how much of the attempt's
     * output is kept (where the next chunk starts).
     *
     * @throws StaleReportException when the worker does not hold the lease (nothing is written)
     */
    public long writeLog(Worker worker, Held held, long offset, byte[] data) {
        seen(worker);
        leased(worker, held);
        return logs.writeAttempt(held.jobId(), held.attempt(), offset, data);
    }

    private void report(Worker worker, Held held, java.util.function.Consumer<AttemptListener> tell) {
        Live l = seen(worker);
        leased(worker, held);
        Assignment given;
        synchronized (l) {
            given = l.assignment != null && l.assignment.held().equals(held) ? l.assignment : null;
        }
        if (given == null) {
            throw new StaleReportException(held.jobId(), held.attempt(), "it is not assigned to worker " + worker.id()
                    + " here");
        }
        try {
            tell.accept(given.listener());
        } finally {
            synchronized (l) {
                if (l.assignment == given || (l.assignment != null && l.assignment.held().equals(held))) {
                    l.assignment = null;
                }
            }
            given.stopped().complete(null);
        }
    }

    /** The job as stored, when {@code worker} holds its lease for {@code held}. */
    private Job leased(Worker worker, Held held) {
        Job job = store.read(r -> r.find(held.jobId()))
                .orElseThrow(() -> new StaleReportException(held.jobId(), held.attempt(), "no such job"));
        if (job.status() != RUNNING) {
            throw new StaleReportException(held.jobId(), held.attempt(), "the job is " + job.status().wireName());
        }
        if (!worker.id().equals(job.placement().workerId())) {
            throw new StaleReportException(held.jobId(), held.attempt(), job.placement().onWorker()
                    ? "the job runs on another worker" : "the job does not run on a worker");
        }
        if (job.attempt() != held.attempt()) {
            throw new StaleReportException(held.jobId(), held.attempt(), "attempt " + job.attempt() + " holds the job");
        }
        return job;
    }

    // ---- liveness --------------------------------------------------------------------------------

    /** A sign of life from {@code worker}: it is online (again) from now. */
    private Live seen(Worker worker) {
        Live l = live.computeIfAbsent(worker.id(), id -> new Live());
        if (markSeen(l)) {
            event(ACTOR, "worker " + worker.id() + " is online");
            triggerPass();
        }
        return l;
    }

    /** Records a sign of life; true when the worker was offline or not heard from since this hub started. */
    private boolean markSeen(Live l) {
        synchronized (l) {
            boolean back = l.offline || l.lastSeen == null;
            l.lastSeen = clock.instant();
            l.offline = false;
            return back;
        }
    }

    /**
     * Declares offline every worker silent for longer than the timeout (one that registered before
     * and was not heard from since this hub started counts from the start), and gives up the attempt
     * it was running: requeued with {@code attempt + 1}, or failed when no attempt is left. Returns
     * the workers it declared offline. The liveness timer runs this; tests call it with a clock.
     */
    public List<String> checkLiveness() {
        Instant now = clock.instant();
        List<String> declared = new ArrayList<>();
        for (Worker w : records.values()) {
            Live l = live.computeIfAbsent(w.id(), id -> new Live());
            Assignment given;
            synchronized (l) {
                Instant last = l.lastSeen != null ? l.lastSeen : since;
                boolean knownBefore = l.lastSeen != null || w.registeredAt() != null || l.assignment != null;
                if (l.offline || !knownBefore || now.isBefore(last.plus(offlineAfter)) || !l.waiters.isEmpty()) {
                    continue;
                }
                l.offline = true;
                given = l.assignment;
                l.assignment = null;
            }
            declared.add(w.id());
            String silence = "no heartbeat for " + offlineAfter.toSeconds() + " s";
            event(ACTOR, "worker " + w.id() + " is offline: " + silence
                    + (given == null ? "" : "; its job " + given.held() + " is given up"));
            if (given != null) {
                giveUp(given, "worker " + w.id() + " went offline (" + silence + ")");
            }
            wake(l);
        }
        return declared;
    }

    /** The assigned attempt is over without an exit status: its listener requeues or fails it. */
    private static void giveUp(Assignment given, String reason) {
        try {
            given.listener().attemptLost(given.job().id(), given.job().attempt(), reason);
        } catch (QueueException e) {
            LOG.log(Level.DEBUG, "Job {0}: {1}", given.held(), e.getMessage());
        } finally {
            given.stopped().complete(null);
        }
    }

    // ---- what the runner asks --------------------------------------------------------------------

    /**
     * Assigns the job's current attempt to the worker its placement names. A fresh dispatch to a
     * worker that is offline fails to start (the job is requeued); a resumed one (after a restart)
     * waits for the worker to come back, or for the timeout.
     */
    void assign(Job job, AttemptListener listener, boolean resumed) {
        String id = job.placement().workerId();
        if (!records.containsKey(id)) {
            if (!resumed) {
                throw new LaunchException("worker " + id + " no longer exists");
            }
            CompletableFuture.runAsync(() -> giveUp(new Assignment(job, listener, false, new CompletableFuture<>()),
                    "worker " + id + " no longer exists"));
            return;
        }
        Live l = live.computeIfAbsent(id, ignored -> new Live());
        synchronized (l) {
            if (l.removed) {
                throw new LaunchException("worker " + id + " was removed");
            }
            if (!resumed && (l.offline || l.lastSeen == null)) {
                throw new LaunchException("worker " + id + " is offline");
            }
            l.assignment = new Assignment(job, listener, false, new CompletableFuture<>());
        }
        wake(l);
    }

    /** Asks the worker to stop the attempt; completes once it reports the end, or goes offline. */
    CompletableFuture<Void> requestStop(Job job) {
        Live l = live.get(String.valueOf(job.placement().workerId()));
        if (l == null) {
            return CompletableFuture.completedFuture(null);
        }
        Assignment stopping;
        synchronized (l) {
            Assignment given = l.assignment;
            if (given == null || !given.held().equals(Held.of(job)) || l.offline) {
                return CompletableFuture.completedFuture(null);
            }
            stopping = new Assignment(given.job(), given.listener(), true, given.stopped());
            l.assignment = stopping;
        }
        wake(l);
        return stopping.stopped();
    }

    // ---- instructions ----------------------------------------------------------------------------

    private Instructions instructions(Live l, Held running) {
        synchronized (l) {
            return instructionsLocked(l, running);
        }
    }

    /** Run the assignment unless the worker runs it already; stop whatever it runs that is not the live assignment. */
    private static Instructions instructionsLocked(Live l, Held running) {
        Assignment given = l.assignment;
        boolean runsIt = given != null && given.held().equals(running);
        Job run = given != null && !given.stopping() && !runsIt ? given.job() : null;
        Held stop = running != null && (!runsIt || given.stopping()) ? running : null;
        return new Instructions(run, stop);
    }

    /** Answers every poll waiting on {@code l} with what its worker must do now. */
    private void wake(Live l) {
        List<Waiter> waiting;
        List<Instructions> answers = new ArrayList<>();
        synchronized (l) {
            waiting = new ArrayList<>(l.waiters);
            l.waiters.clear();
            for (Waiter w : waiting) {
                answers.add(instructionsLocked(l, w.have()));
            }
        }
        for (int i = 0; i < waiting.size(); i++) {
            waiting.get(i).answer().complete(answers.get(i));
        }
    }

    // ---- views and admin -------------------------------------------------------------------------

    /** Every worker with its status now, by id. */
    public List<WorkerView> views() {
        Map<String, Held> jobs = jobsByWorker();
        return records.values().stream().sorted((a, b) -> a.id().compareTo(b.id()))
                .map(w -> view(w, jobs.get(w.id()))).toList();
    }

    /** Workers per status (every status present, zero included). */
    public Map<WorkerStatus, Long> counts() {
        Map<WorkerStatus, Long> counts = new EnumMap<>(WorkerStatus.class);
        for (WorkerStatus s : WorkerStatus.values()) {
            counts.put(s, 0L);
        }
        views().forEach(v -> counts.merge(v.status(), 1L, Long::sum));
        return counts;
    }

    Optional<WorkerView> view(String id) {
        return Optional.ofNullable(records.get(id)).map(w -> view(w, jobsByWorker().get(id)));
    }

    private WorkerView view(Worker w, Held job) {
        Live l = live.get(w.id());
        Instant lastSeen = null;
        WorkerStatus status = WorkerStatus.CONNECTING;
        if (l != null) {
            synchronized (l) {
                lastSeen = l.lastSeen;
                if (l.offline) {
                    status = WorkerStatus.OFFLINE;
                } else if (l.lastSeen != null) {
                    status = w.draining() ? WorkerStatus.DRAINING : job != null ? WorkerStatus.BUSY : WorkerStatus.IDLE;
                }
            }
        }
        return new WorkerView(w, status, lastSeen, job);
    }

    private Map<String, Held> jobsByWorker() {
        Map<String, Held> jobs = new HashMap<>();
        for (Job job : store.read(r -> r.withStatus(RUNNING))) {
            if (job.placement().onWorker()) {
                jobs.put(job.placement().workerId(), Held.of(job));
            }
        }
        return jobs;
    }

    /** The worker as recorded now (its draining flag and labels may have changed since it authenticated). */
    public Worker current(Worker worker) {
        Worker recorded = records.get(worker.id());
        if (recorded == null) {
            throw new dev.gpuqueue.core.error.NotFoundException("no worker named " + worker.id());
        }
        return recorded;
    }

    void recorded(Worker worker) {
        records.put(worker.id(), worker);
    }

    /**
     * Changes a worker's record, stored and kept here, as one step against other changes (a drain
     * and a registration at the same moment both stand). Returns the record as changed.
     */
    Worker change(String id, UnaryOperator<Worker> change) {
        synchronized (recordChanges) {
            Worker recorded = records.get(id);
            if (recorded == null) {
                throw new dev.gpuqueue.core.error.NotFoundException("no worker named " + id);
            }
            Worker changed = change.apply(recorded);
            registry.update(changed);
            records.put(id, changed);
            return changed;
        }
    }

    /**
     * Forgets a removed worker; the attempt it was running (forced removal) is given up with
     * {@code reason}, and its waiting polls are answered so it learns at once that its token is gone.
     */
    void forget(String id, String reason) {
        records.remove(id);
        Live l = live.remove(id);
        if (l == null) {
            return;
        }
        Assignment given;
        synchronized (l) {
            given = l.assignment;
            l.assignment = null;
            l.removed = true;
        }
        if (given != null) {
            giveUp(given, reason);
        }
        wake(l);
    }

    WorkerRegistry registry() {
        return registry;
    }

    Instant now() {
        return clock.instant();
    }

    /** Records a {@code worker_changed} event; a change whose event cannot be stored stands, and is logged. */
    void event(String actor, String detail) {
        try {
            store.inTransaction(tx -> tx.append(QueueEvent.workerChanged(clock.instant(), actor, detail)));
        } catch (QueueException e) {
            LOG.log(Level.WARNING, "{0}, but the event could not be stored: {1}", detail, e.getMessage());
        }
        LOG.log(Level.INFO, "{0}", detail);
    }

    void triggerPass() {
        ScheduledExecutorService running;
        synchronized (this) {
            running = timer;
        }
        Runnable scheduling = pass;
        if (running == null) {
            return;
        }
        try {
            running.execute(() -> {
                try {
                    scheduling.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "A scheduling pass for workers failed: {0}", e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.log(Level.DEBUG, "The worker hub is stopping; no pass");
        }
    }
}
