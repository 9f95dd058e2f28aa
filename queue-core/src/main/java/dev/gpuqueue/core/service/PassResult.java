package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.Job;
import dev.gpuqueue.core.model.QueueEntry;
import java.util.List;

/**
 * What one scheduling pass did: the jobs it started (as running after launch), the jobs whose
 * launch failed (requeued or failed), and every job that still waits, with its reason. Immutable.
 */
public record PassResult(List<Job> started, List<Job> launchFailed, List<QueueEntry> waiting) {
    public PassResult {
        started = List.copyOf(started);
        launchFailed = List.copyOf(launchFailed);
        waiting = List.copyOf(waiting);
    }

    public static final PassResult NOTHING = new PassResult(List.of(), List.of(), List.of());
}
