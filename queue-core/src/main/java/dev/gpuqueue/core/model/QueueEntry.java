package dev.gpuqueue.core.model;

import java.util.Objects;

/**
 * A job as the queue shows it: its effective priority now, its 1-based position among pending jobs
 * (null unless pending), and why it waits (null unless pending or blocked). Immutable.
 */
public record QueueEntry(Job job, int effectivePriority, Integer position, PendingReason pendingReason) {
    public QueueEntry {
        Objects.requireNonNull(job, "job");
        if (position != null && position < 1) {
            throw new IllegalArgumentException("position is 1-based, got " + position);
        }
    }
}
