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

/**
 * What one scheduling pass decided: the jobs to start, in dispatch order, with their placement;
 * every pending job it was given, in dispatch order, with its position and, unless it starts, the
 * reason it waits; and {@code globalStop}, the reason every later job waits once the global limit
 * was reached (null if it was not). Planning over a prefix of the dispatch order gives exactly the
 * decisions of a full plan for that prefix, since a job's fate depends only on the jobs ahead of it.
 * Immutable.
 */
public record PassPlan(List<Start> starts, List<QueueEntry> entries, PendingReason globalStop) {

    /** A job to move to running with {@code placement}. */
    public record Start(Job job, Placement placement) {
        public Start {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(placement, "placement");
        }
    }

    public PassPlan {
        starts = List.copyOf(starts);
        entries = List.copyOf(entries);
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
}
