package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEvent;
import dev.gpuqueue.core.port.AttemptState;
import dev.gpuqueue.core.port.JobRunner;
import dev.gpuqueue.core.port.JobStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Startup recovery. Every job stored as running is probed by the runner its placement names:
 * <ul>
 *   <li>its attempt ended (an exit status was recorded) → completed (exit 0) or failed, never re-run;
 *   <li>it still runs → adopted: the runner watches it again and reports its end, GPUs kept;
 *   <li>it is gone without a trace → lost: pending with {@code attempt + 1}, or failed "lost after
 *       restart" when no attempt is left.
 * </ul>
 * A job whose runner is not registered is left running until one reports. Then one scheduling
 * pass. Thread-safe, but meant to run once, before the scheduler loop starts.
 */
public final class Reconciler {
    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());
    static final String ACTOR = "reconciler";
    public static final String LOST_AFTER_RESTART = "lost after restart";

    private final JobStore store;
    private final Runners runners;
    private final AttemptReports reports;
    private final Passes passes;
    private final Clock clock;

    Reconciler(JobStore store, Runners runners, AttemptReports reports, Passes passes, Clock clock) {
        this.store = store;
        this.runners = runners;
        this.reports = reports;
        this.passes = passes;
        this.clock = clock;
    }

    /** What recovery found, job by job, and the pass that followed. Immutable. */
    public record Report(List<Job> finished, List<Job> adopted, List<Job> requeued, List<Job> failed, PassResult pass) {
        public Report {
            finished = List.copyOf(finished);
            adopted = List.copyOf(adopted);
            requeued = List.copyOf(requeued);
            failed = List.copyOf(failed);
        }
    }

    public Report reconcile() {
        List<Job> finished = new ArrayList<>();
        List<Job> adopted = new ArrayList<>();
        List<Job> requeued = new ArrayList<>();
        List<Job> failed = new ArrayList<>();
        for (Job job : store.read(r -> r.withStatus(RUNNING))) {
            Optional<JobRunner> runner = runners.find(job.placement().runner());
            if (runner.isEmpty()) {
                LOG.log(Level.WARNING, "Job {0} runs on runner {1}, which is not registered; left running until it"
                        + " reports", job.id(), job.placement().runner());
                continue;
            }
            AttemptState state = runner.get().probe(job);
            switch (state.kind()) {
                case ENDED -> record(job, AttemptEnd.recovered(job, state.outcome(), clock.instant()))
                        .ifPresent(finished::add);
                case RUNNING -> {
                    adopt(job, runner.get());
                    adopted.add(job);
                }
                case GONE -> record(job, AttemptEnd.lostAfterRestart(job, clock.instant()))
                        .ifPresent(next -> (next.status() == PENDING ? requeued : failed).add(next));
            }
        }
        LOG.log(Level.INFO, "Recovery: {0} finished while down, {1} adopted, {2} requeued, {3} failed as lost",
                finished.size(), adopted.size(), requeued.size(), failed.size());
        return new Report(finished, adopted, requeued, failed, passes.runOnce());
    }

    private void adopt(Job job, JobRunner runner) {
        store.inTransaction(tx -> {
            Transitions.in(tx, ACTOR, clock.instant()).note(job, QueueEvent.Type.ADOPTED,
                    job.process() == null ? "still running" : "process " + job.process().pid() + " still running");
            return null;
        });
        runner.resume(job, reports);
    }

    /** Records {@code end} if the job is still exactly as read (compare-and-set); empty if it moved on. */
    private Optional<Job> record(Job job, AttemptEnd end) {
        return store.inTransaction(tx -> tx.find(job.id())
                .filter(current -> current.version() == job.version())
                .map(current -> end.recordOn(tx, current)));
    }
}
