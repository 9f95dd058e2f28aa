package dev.gpuqueue.core.service;

import dev.gpuqueue.core.model.QueueEntry;
import java.util.List;

/** One page of the queue listing, with the queue-wide pending and running totals. Immutable. */
public record QueuePage(List<QueueEntry> entries, long totalPending, long totalRunning) {
    public QueuePage {
        entries = List.copyOf(entries);
    }
}
