package dev.gpuqueue.core.service;

import static dev.gpuqueue.core.model.JobStatus.PENDING;
import static dev.gpuqueue.core.model.JobStatus.RUNNING;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobEvent;
import dev.gpuqueue.core.model.JobType;
import dev.gpuqueue.core.port.AttemptOutcome;
import dev.gpuqueue.core.port.JobLauncher;
import dev.gpuqueue.core.port.JobStore;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Startup recovery. For every job stored as running on the local launcher:
 * <ul>
 *   <li>its attempt's exit status was recorded → completed (exit 0) or failed, never re-run;
 *   <li>else its process is alive (same pid and start time) → adopted and watched, GPUs kept;
 *   <li>else its outcome is unknown → pending with {@code attempt + 1}, or failed "lost after
 *       restart" when no attempt is left.
 * </ul>
 * Then one scheduling pass. Jobs on remote workers and cloud jobs are left to their own runners'
 * reports. Thread-safe, but meant to run once, before the scheduler loop starts.
 */
public final class Reconciler {
    private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());
    static final String ACTOR = "reconciler";
    public static final String LOST_AFTER_RESTART = "lost after restart";

    private final Scheduler scheduler;
    private final JobStore store;
    private final JobLauncher launcher;
    private final Clock clock;

    public Reconciler(Scheduler scheduler, Clock clock) {
        this.scheduler = scheduler;
        this.store = scheduler.store();
        this.launcher = scheduler.launcher();
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
        List<Job> running = store.read(r -> r.withStatus(RUNNING));
        for (Job job : running) {
            if (job.type() == JobType.CLOUD || job.placement().onWorker()) {
                continue;
            }
            OptionalInt exit = launcher.recordedExitCode(job);
            if (exit.isPresent()) {
                AttemptOutcome outcome = AttemptOutcome.exited(exit.getAsInt());
                commit(job, now -> outcome.success()
                        ? job.completed(outcome.exitCode(), now)
                        : job.failed(outcome.errorMessage(), outcome.exitCode(), now),
                        "exit status recorded while the server was down").ifPresent(finished::add);
            } else if (launcher.isAlive(job)) {
                Instant now = clock.instant();
                store.inTransaction(tx -> {
                    tx.append(JobEvent.of(job, job, now, ACTOR, JobEvent.Type.ADOPTED,
                            "process " + (job.process() == null ? "" : job.process().pid() + " ") + "still running"));
                    return null;
                });
                launcher.adopt(job, scheduler);
                adopted.add(job);
            } else {
                commit(job, now -> job.retryOrFail(LOST_AFTER_RESTART, now), LOST_AFTER_RESTART)
                        .ifPresent(next -> (next.status() == PENDING ? requeued : failed).add(next));
            }
        }
        LOG.log(Level.INFO, "Recovery: {0} finished while down, {1} adopted, {2} requeued, {3} failed as lost",
                finished.size(), adopted.size(), requeued.size(), failed.size());
        return new Report(finished, adopted, requeued, failed, scheduler.runOnce());
    }

    /** Applies {@code change} if the job is still exactly as read (compare-and-set); empty if it moved on. */
    private Optional<Job> commit(Job job, Function<Instant, Job> change, String detail) {
        Instant now = clock.instant();
        return store.inTransaction(tx -> tx.find(job.id())
                .filter(current -> current.version() == job.version())
                .map(current -> {
                    Job next = change.apply(now);
                    Job stored = tx.update(current, next);
                    tx.append(JobEvent.of(current, stored, now, ACTOR, Scheduler.eventType(stored),
                            stored.errorMessage() != null ? stored.errorMessage() : detail));
                    return stored;
                }));
    }
}
