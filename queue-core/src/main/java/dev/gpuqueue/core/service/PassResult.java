package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEntry;
import java.util.List;

/**
 * What one scheduling pass did: the jobs it started (as dispatched: running, with their placement,
 * even if they have finished since), the jobs whose launch failed (requeued or failed), and the
 * waiting jobs of the planned prefix with their reasons. Immutable.
 */
public record PassResult(List<Job> started, List<Job> launchFailed, List<QueueEntry> waiting) {
    public PassResult {
        started = List.copyOf(started);
        launchFailed = List.copyOf(launchFailed);
        waiting = List.copyOf(waiting);
    }

    public static final PassResult NOTHING = new PassResult(List.of(), List.of(), List.of());
}
