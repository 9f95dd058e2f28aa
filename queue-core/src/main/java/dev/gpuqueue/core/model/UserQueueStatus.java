package dev.gpuqueue.core.model;

import java.util.List;

/**
 * One user's view of the queue ({@code GET /api/queue/me}): counts, the best (smallest) position
 * among their pending jobs or null, and their pending and running entries. Immutable.
 */
public record UserQueueStatus(
        int pendingCount,
        int runningCount,
        int blockedCount,
        Integer bestPosition,
        List<QueueEntry> pendingJobs,
        List<QueueEntry> runningJobs) {
    public UserQueueStatus {
        pendingJobs = List.copyOf(pendingJobs);
        runningJobs = List.copyOf(runningJobs);
    }
}
