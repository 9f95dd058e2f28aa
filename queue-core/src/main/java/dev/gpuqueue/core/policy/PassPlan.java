package dev.gpuqueue.core.policy;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.JobId;
import dev.gpuqueue.core.model.PendingReason;
import dev.gpuqueue.core.model.Placement;
import dev.gpuqueue.core.model.QueueEntry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one scheduling pass decided: the jobs to start, in dispatch order, with their placement;
 * every pending job it was given, in dispatch order, with its position and, unless it starts, the
 * reason it waits; and its {@link Tail}, the state a job after the planned ones would meet.
 * Planning over a prefix of the dispatch order gives exactly the decisions of a full plan for that
 * prefix, since a job's fate depends only on the jobs ahead of it. Immutable.
 */
public record PassPlan(List<Start> starts, List<QueueEntry> entries, Tail tail) {

    /**
     * A job to move to running with {@code placement}; {@code backfill}, when not null, says why it
     * may start beside a local head waiting for GPUs (it ends before the head can start).
     */
    public record Start(Job job, Placement placement, String backfill) {
        public Start {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(placement, "placement");
        }
    }

    /**
     * The state after the planned jobs: running counts, busy workers, the head-of-line block, whether the global
     * limit was reached, and whether the plan is saturated (no later job could start, so each later
     * job's reason follows from this state alone). Immutable.
     */
    public record Tail(
            PassInput input,
            int running,
            int localJobs,
            Map<Long, Integer> perUser,
            Map<String, Integer> perTeam,
            Map<String, Integer> perArray,
            Set<Integer> heldGpus,
            Set<String> busyWorkers,
            PendingReason localBlock,
            boolean globalStop,
            boolean saturated) {
        public Tail {
            perUser = Map.copyOf(perUser);
            perTeam = Map.copyOf(perTeam);
            perArray = Map.copyOf(perArray);
            heldGpus = Set.copyOf(heldGpus);
            busyWorkers = Set.copyOf(busyWorkers);
        }
    }

    public PassPlan {
        starts = List.copyOf(starts);
        entries = List.copyOf(entries);
        Objects.requireNonNull(tail, "tail");
    }

    /** The entries that stay pending, in dispatch order. */
    public List<QueueEntry> waiting() {
        return entries.stream().filter(e -> e.pendingReason() != null).toList();
    }

    /** Why each job that stays pending waits, in dispatch order. */
    public Map<JobId, PendingReason> reasons() {
        Map<JobId, PendingReason> reasons = new LinkedHashMap<>();
        for (QueueEntry entry : entries) {
            if (entry.pendingReason() != null) {
                reasons.put(entry.job().id(), entry.pendingReason());
            }
        }
        return reasons;
    }

    /** Why {@code job} waits: its entry's reason, or for a job beyond the plan, the saturated state's answer (else null). */
    public PendingReason reasonFor(Job job) {
        for (QueueEntry entry : entries) {
            if (entry.job().id().equals(job.id())) {
                return entry.pendingReason();
            }
        }
        return DispatchPlanner.reasonBeyond(job, this);
    }
}
