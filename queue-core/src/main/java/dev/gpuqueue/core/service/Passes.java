package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.error.LaunchException;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.ProcessRef;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.policy.PassPlan;
import dev.gpuqueue.core.port.AttemptListener;
import dev.gpuqueue.core.port.JobStore;
import dev.gpuqueue.core.port.JobTransaction;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Scheduling passes. One pass is one store transaction: it reads the running jobs and the head of
 * the dispatch order, plans with {@code DispatchPlanner} (through {@link QueuePlanner}, which reads
 * no further than the pass needs) and moves the chosen jobs to running with their placement; after
 * the commit, each started job's runner (the one its placement names) starts it. A start that fails
 * puts the job back to pending with {@code attempt + 1}, or fails it on its last attempt.
 * Thread-safe: correctness rests on the store's serialized transactions.
 */
final class Passes {
    private static final System.Logger LOG = System.getLogger(Passes.class.getName());
    static final String ACTOR = "scheduler";

    private final JobStore store;
    private final QueuePlanner planner;
    private final Runners runners;
    private final AttemptReports reports;
    private final Clock clock;
    private final List<PassListener> listeners = new CopyOnWriteArrayList<>();

    Passes(JobStore store, QueuePlanner planner, Runners runners, AttemptReports reports, Clock clock) {
        this.store = store;
        this.planner = planner;
        this.runners = runners;
        this.reports = reports;
        this.clock = clock;
    }

    /** Runs one pass now and returns what it started and why the others wait. */
    PassResult runOnce() {
        return runAfter(tx -> {}, plan -> {});
    }

    /**
     * Runs {@code prelude} (a submit's insert, say) and a pass in one transaction; {@code veto} sees
     * the plan before commit and may throw to roll everything back. Then starts what the pass chose.
     */
    PassResult runAfter(Consumer<JobTransaction> prelude, Consumer<PassPlan> veto) {
        long began = System.nanoTime();
        Dispatched dispatched = store.inTransaction(tx -> {
            prelude.accept(tx);
            Dispatched d = dispatch(tx);
            veto.accept(d.plan());
            return d;
        });
        List<Job> started = new ArrayList<>();
        List<Job> failed = new ArrayList<>();
        for (Job job : dispatched.started()) {
            start(job).ifPresentOrElse(started::add, () -> failed.add(job));
        }
        if (!failed.isEmpty()) {
            LOG.log(Level.DEBUG, "{0} start(s) failed; their GPUs are free for the next pass", failed.size());
        }
        PassResult result = new PassResult(started, failed, dispatched.plan().waiting());
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        for (PassListener listener : listeners) {
            try {
                listener.passed(took, result);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A pass listener failed: {0}", e.toString());
            }
        }
        return result;
    }

    void addListener(PassListener listener) {
        listeners.add(listener);
    }

    private record Dispatched(PassPlan plan, List<Job> started) {}

    private Dispatched dispatch(JobTransaction tx) {
        Instant now = clock.instant();
        PassPlan plan = planner.planPass(tx, now);
        Transitions transitions = Transitions.in(tx, ACTOR, now);
        List<Job> started = new ArrayList<>();
        for (PassPlan.Start start : plan.starts()) {
            Job job = start.job();
            Job running = transitions.move(job, job.dispatched(start.placement(), now), QueueEvent.Type.DISPATCHED,
                    describe(start.placement()) + ", attempt " + job.attempt()
                            + (start.backfill() == null ? "" : "; " + start.backfill()));
            started.add(running);
        }
        return new Dispatched(plan, started);
    }

    private static String describe(Placement placement) {
        if (placement.onWorker()) {
            return "on worker " + placement.workerId();
        }
        if (!placement.isLocal()) {
            return "on " + placement.runner();
        }
        return placement.gpus().isEmpty() ? "dispatched" : "on GPUs " + placement.gpus();
    }

    /**
     * Starts a job that was just dispatched; returns it as running (with its process when recorded
     * in time), or empty when the start failed.
     */
    private Optional<Job> start(Job job) {
        Optional<ProcessRef> process;
        try {
            process = runners.of(job).start(job, reports);
        } catch (LaunchException e) {
            String reason = "launch failed: " + e.getMessage();
            LOG.log(Level.WARNING, "Job {0} attempt {1}: {2}", job.id(), job.attempt(), reason);
            recordStartFailure(job, reason);
            return Optional.empty();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Job " + job.id() + " attempt " + job.attempt() + ": launch failed unexpectedly", e);
            recordStartFailure(job, "launch failed: unexpected error (the server's log has the details)");
            return Optional.empty();
        }
        return Optional.of(recordStart(job, process.orElse(null)));
    }

    private Job recordStart(Job job, ProcessRef process) {
        Instant now = clock.instant();
        Optional<Job> recorded = store.inTransaction(tx -> tx.find(job.id())
                .filter(current -> holds(current, job))
                // A write even without a process: the version shows a stopper that read the job before that its
                // start came after (AttemptReports stops it again).
                .map(current -> Transitions.in(tx, ACTOR, now).move(current,
                        process == null ? current : current.launched(process), QueueEvent.Type.LAUNCHED,
                        process == null ? "launched" : "launched as pid " + process.pid())));
        if (recorded.isPresent()) {
            return recorded.get();
        }
        // Ended (fast exit) or cancelled between dispatch and start: never leave an orphan attempt running.
        LOG.log(Level.DEBUG, "Job {0} attempt {1} ended before its start was recorded", job.id(), job.attempt());
        reports.stopQuietly(job);
        return job;
    }

    private void recordStartFailure(Job job, String reason) {
        Instant now = clock.instant();
        store.inTransaction(tx -> {
            tx.find(job.id()).filter(current -> holds(current, job)).ifPresent(current -> {
                Job next = current.retryOrFail(reason, now);
                Transitions.in(tx, ACTOR, now).move(current, next,
                        next.status() == PENDING ? QueueEvent.Type.REQUEUED : QueueEvent.Type.FAILED, reason);
            });
            return null;
        });
    }

    /** Whether {@code current} is still the attempt {@code started} (running, same attempt). */
    private static boolean holds(Job current, Job started) {
        return current.status() == RUNNING && current.attempt() == started.attempt();
    }

    /** What a pass would decide now for {@code extra}, as if it were pending; commits nothing. */
    QueuePlanner.Decided preview(Job extra) {
        return store.read(reader -> planner.decide(reader, clock.instant(), List.of(), extra));
    }
}
