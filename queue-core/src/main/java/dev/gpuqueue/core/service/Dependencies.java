package dev.gpuqueue.core.service;

import dev.gpuqueue.core.error.ValidationException;
import dev.gpuqueue.core.model.Caller;
import dev.gpuqueue.core.model.Dependency;
import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobStatus;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.QueueEntry;
import dev.gpuqueue.core.model.QueueSettings;
import dev.gpuqueue.core.policy.DispatchOrder;
import dev.gpuqueue.core.policy.Permissions;
import dev.gpuqueue.core.port.JobReader;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A submit's dependencies checked, and why a job waits for its own. The jobs waited for must exist
 * and be visible to the submitter, which also keeps the graph free of cycles: a new job can only
 * name jobs that exist before it, and no job's dependencies change after its submit. Stateless.
 */
final class Dependencies {
    private Dependencies() {}

    /**
     * Checks {@code dependencies} of a job {@code caller} submits, in the submit's transaction;
     * returns whether the job must wait for some of them.
     *
     * @throws ValidationException for a job that does not exist or that the caller may not see (the
     *     same answer, so other users' job ids are not revealed), or one that already ended in a way
     *     that can never meet its condition
     */
    static boolean mustWait(JobReader reader, Caller caller, List<Dependency> dependencies) {
        boolean waits = false;
        for (Dependency dependency : dependencies) {
            Job job = reader.find(dependency.jobId()).filter(j -> Permissions.canSee(caller, j))
                    .orElseThrow(() -> new ValidationException("depends_on: no job " + dependency.jobId()
                            + " that you may see; name jobs that were submitted already (yours, unless you are a lead"
                            + " or an admin)"));
            switch (dependency.condition().stateFor(job.status())) {
                case NEVER -> throw new ValidationException("depends_on: " + dependency.neverReason(job.status())
                        + " already, so this job could never start; drop it or change its condition");
                case WAITING -> waits = true;
                case MET -> { }
            }
        }
        return waits;
    }

    /** Why {@code job}, awaiting its dependencies, waits: the first one not met yet, e.g. "waiting for job X (running)". */
    static PendingReason reason(JobReader reader, Job job) {
        for (Dependency dependency : job.dependsOn()) {
            Optional<JobStatus> status = reader.find(dependency.jobId()).map(Job::status);
            if (status.isPresent() && dependency.condition().stateFor(status.get()) == Dependency.State.WAITING) {
                return PendingReason.waitingForJob(dependency.jobId(), status.get());
            }
        }
        throw new IllegalStateException("job " + job.id() + " awaits no dependency that is still waiting");
    }

    /** The queue entry of a job awaiting its dependencies: no position (it is outside the dispatch order). */
    static QueueEntry entry(JobReader reader, Job job, QueueSettings settings, Instant now) {
        return new QueueEntry(job, DispatchOrder.effectivePriority(job, settings, now), null, reason(reader, job));
    }
}
